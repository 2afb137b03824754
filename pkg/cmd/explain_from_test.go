package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

const example = "../../examples/healthy-request-rate.yaml"

// noKubeconfig points KUBECONFIG at a file that does not exist, so a test
// fails if the command reads it.
func noKubeconfig(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "missing"))
}

func TestExplainFromNeedsNoCluster(t *testing.T) {
	noKubeconfig(t)
	streams, out, _ := testStreams()
	root := NewRootCmd(streams)
	root.SetArgs([]string{"explain", "--from", example, "-o", "json"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var e v1alpha1.Explanation
	if err := json.Unmarshal(out.Bytes(), &e); err != nil {
		t.Fatalf("output is not an Explanation: %v", err)
	}
	if !strings.HasPrefix(e.Verdict, "Stable at 4 replicas") {
		t.Errorf("verdict = %q", e.Verdict)
	}
	if e.EvaluatedAt.UTC().Format("2006-01-02T15:04:05Z") != "2026-03-14T02:47:31Z" {
		t.Errorf("evaluated at %s, want the capture time", e.EvaluatedAt)
	}
	if len(e.Steps) == 0 || !strings.Contains(e.Steps[0].Text, "when the snapshot was captured") {
		t.Errorf("first step = %+v", e.Steps)
	}
}

func TestExplainFromStdinAtNow(t *testing.T) {
	noKubeconfig(t)
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	streams, out, _ := testStreams()
	streams.In = strings.NewReader(string(data))
	root := NewRootCmd(streams)
	root.SetArgs([]string{"explain", "--from", "-", "checkout-api", "--now", "2026-03-14T03:00:00Z", "-o", "yaml"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"evaluatedAt: \"2026-03-14T03:00:00Z\"", "the time set by --now", "StaleMetric"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestExplainFromListsHPANames(t *testing.T) {
	noKubeconfig(t)
	path := filepath.Join(t.TempDir(), "two.yaml")
	hpa := "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: %s, namespace: shop}\nspec: {maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}\n"
	content := strings.ReplaceAll(hpa, "%s", "web") + "---\n" + strings.ReplaceAll(hpa, "%s", "api")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	streams, _, _ := testStreams()
	root := NewRootCmd(streams)
	root.SetArgs([]string{"explain", "--from", path})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "contains 2 HPAs: name the one to explain, one of: shop/api, shop/web") {
		t.Fatalf("err = %v, want the HPA names listed", err)
	}
}

func TestExplainSourceFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"explain", "--from", example, "-f", "hpa.yaml"}, "--from and -f cannot be combined"},
		{[]string{"explain", "web", "--now", "2026-03-14T03:00:00Z"}, "--now applies only with --from"},
		{[]string{"explain", "--from", example, "--now", "yesterday"}, `invalid --now "yesterday": use RFC 3339`},
		{[]string{"explain", "--from", "does-not-exist.yaml"}, "failed to open does-not-exist.yaml"},
		{[]string{"explain"}, "accepts 1 arg(s), received 0: name the HPA, or pass --from FILE or -f MANIFEST"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			noKubeconfig(t)
			streams, _, _ := testStreams()
			root := NewRootCmd(streams)
			root.SetArgs(tc.args)
			err := root.Execute()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// kubeconfigAt writes a kubeconfig for a server that is never contacted:
// -f reads the manifest in Complete, before any request.
func kubeconfigAt(t *testing.T, namespace string) string {
	path := filepath.Join(t.TempDir(), "config")
	config := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: test}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: ` + namespace + `}}]
current-context: x
`
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExplainManifestNamespace(t *testing.T) {
	dir := t.TempDir()
	withoutNamespace := filepath.Join(dir, "hpa.yaml")
	manifest := "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}\n"
	if err := os.WriteFile(withoutNamespace, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	withNamespace := filepath.Join(dir, "hpa-payments.yaml")
	if err := os.WriteFile(withNamespace, []byte(strings.Replace(manifest, "{name: web}", "{name: web, namespace: payments}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}

	complete := func(file, namespace string) (*ExplainOptions, error) {
		flags := genericclioptions.NewConfigFlags(false)
		kubeconfig := kubeconfigAt(t, "shop")
		flags.KubeConfig = &kubeconfig
		flags.Namespace = &namespace
		streams, _, _ := testStreams()
		o := NewExplainOptions(flags, gather.NewRequestCounter(), streams)
		o.Filename = file
		return o, o.Complete(nil)
	}

	o, err := complete(withoutNamespace, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.manifest.Namespace != "shop" || o.Name != "web" {
		t.Errorf("manifest %s/%s, want the kubeconfig's namespace shop", o.manifest.Namespace, o.Name)
	}
	if o.manifest.Spec.MinReplicas == nil || *o.manifest.Spec.MinReplicas != 1 {
		t.Errorf("minReplicas = %v, want the API server's default 1", o.manifest.Spec.MinReplicas)
	}

	if _, err := complete(withNamespace, "shop"); err == nil || !strings.Contains(err.Error(), `does not match --namespace "shop": pass --namespace=payments`) {
		t.Errorf("err = %v, want a namespace mismatch", err)
	}
	o, err = complete(withNamespace, "")
	if err != nil || o.Namespace != "payments" {
		t.Errorf("namespace = %q, err = %v; want the manifest's namespace payments", o.Namespace, err)
	}
}

func TestSnapshotValidate(t *testing.T) {
	streams, _, _ := testStreams()
	cmd := NewCmdSnapshot(genericclioptions.NewConfigFlags(false), gather.NewRequestCounter(), streams)
	if cmd.Flag("output").DefValue != "yaml" {
		t.Errorf("default --output = %q, want yaml", cmd.Flag("output").DefValue)
	}
	o := &SnapshotOptions{Output: "table"}
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), `invalid --output "table": use yaml or json`) {
		t.Errorf("err = %v", err)
	}
}
