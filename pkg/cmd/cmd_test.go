package cmd

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

func testStreams() (genericiooptions.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: out, ErrOut: errOut}, out, errOut
}

func TestRootHelpReadsAsKubectlPlugin(t *testing.T) {
	streams, out, _ := testStreams()
	root := NewRootCmd(streams)
	root.SetArgs([]string{"--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "kubectl hpametrics [command]") {
		t.Errorf("usage line does not read \"kubectl hpametrics\":\n%s", out.String())
	}
	for _, flag := range []string{"--kubeconfig", "--context", "--namespace", "--as", "--request-timeout"} {
		if !strings.Contains(out.String(), flag) {
			t.Errorf("help lacks the kubectl flag %s", flag)
		}
	}
}

func TestExplainHelpHasExamples(t *testing.T) {
	streams, out, _ := testStreams()
	root := NewRootCmd(streams)
	root.SetArgs([]string{"explain", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubectl hpametrics explain web", "--fail-on", "--tolerance", "inferred"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("explain help lacks %q", want)
		}
	}
}

func TestVersionPrintsBuildInfo(t *testing.T) {
	streams, out, _ := testStreams()
	root := NewRootCmd(streams)
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "kubectl-hpametrics dev (commit unknown") {
		t.Errorf("version output = %q", out.String())
	}
}

func TestExplainRequiresOneName(t *testing.T) {
	streams, _, _ := testStreams()
	root := NewRootCmd(streams)
	root.SetArgs([]string{"explain"})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "accepts 1 arg") {
		t.Fatalf("err = %v, want a missing-argument error", err)
	}
}

func TestExplainValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*ExplainOptions)
		want   string
	}{
		{"bad output", func(o *ExplainOptions) { o.Output = "wide" }, `invalid --output "wide"`},
		{"bad fail-on", func(o *ExplainOptions) { o.FailOn = "info" }, `invalid --fail-on "info"`},
		{"negative tolerance", func(o *ExplainOptions) { o.Tolerance = -0.1 }, "invalid --tolerance -0.1"},
		{"negative delay", func(o *ExplainOptions) { o.InitialReadinessDelay = -1 }, "invalid --initial-readiness-delay"},
		{"zero stale-after", func(o *ExplainOptions) { o.StaleAfter = 0 }, "invalid --stale-after"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			streams, _, _ := testStreams()
			o := NewExplainOptions(genericclioptions.NewConfigFlags(false), gather.NewRequestCounter(), streams)
			o.StaleAfter = 1
			tc.mutate(o)
			err := o.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestFailOn(t *testing.T) {
	findings := []v1alpha1.Finding{{Code: "PartialPodValues", Severity: v1alpha1.SeverityWarning}, {Code: "WithinTolerance", Severity: v1alpha1.SeverityInfo}}
	if err := failOn("", findings); err != nil {
		t.Errorf("no --fail-on: err = %v", err)
	}
	if err := failOn("error", findings); err != nil {
		t.Errorf("--fail-on=error with only a warning: err = %v", err)
	}
	err := failOn("warning", findings)
	if ExitCode(err) != ExitFindings || !strings.Contains(err.Error(), "PartialPodValues") {
		t.Errorf("--fail-on=warning: err = %v, exit %d", err, ExitCode(err))
	}
}

func TestExplainErrorMessages(t *testing.T) {
	notFound := explainError(&gather.NotFoundError{Namespace: "shop", Name: "wbe", Similar: []string{"web"}}, "shop")
	if !strings.Contains(notFound.Error(), `did you mean "web"?`) {
		t.Errorf("not found: %v", notFound)
	}
	noSimilar := explainError(&gather.NotFoundError{Namespace: "shop", Name: "x"}, "shop")
	if !strings.Contains(noSimilar.Error(), "kubectl get hpa -n shop") {
		t.Errorf("not found without similar names: %v", noSimilar)
	}
	forbidden := explainError(&gather.ForbiddenError{Verb: "get", Resource: "horizontalpodautoscalers.autoscaling", Namespace: "shop", Name: "web", Message: "denied"}, "shop")
	if !strings.Contains(forbidden.Error(), "kubectl auth can-i get horizontalpodautoscalers.autoscaling -n shop") {
		t.Errorf("forbidden: %v", forbidden)
	}
	unreachable := explainError(&gather.UnreachableError{Server: "https://127.0.0.1:1", Err: errors.New("connection refused")}, "shop")
	if !strings.Contains(unreachable.Error(), "https://127.0.0.1:1") || strings.Count(unreachable.Error(), "\n") != 0 {
		t.Errorf("unreachable: %q, want one line naming the server", unreachable)
	}
	if ExitCode(unreachable) != 1 {
		t.Errorf("unreachable exit code = %d, want 1", ExitCode(unreachable))
	}
}

func TestKubectlFlagsCarryIdentity(t *testing.T) {
	configFlags := genericclioptions.NewConfigFlags(false)
	context, as, groups := "prod", "jane@example.com", []string{"sre team"}
	configFlags.Context, configFlags.Impersonate, configFlags.ImpersonateGroup = &context, &as, &groups
	got := strings.Join(kubectlFlags(configFlags), " ")
	want := "--context=prod --as=jane@example.com --as-group='sre team'"
	if got != want {
		t.Errorf("kubectlFlags = %q, want %q", got, want)
	}
}
