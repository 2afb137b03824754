package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/snapshot"
)

// completeNow parses --now.
func (o *ExplainOptions) completeNow() error {
	if o.NowText == "" {
		return nil
	}
	now, err := time.Parse(time.RFC3339, o.NowText)
	if err != nil {
		return fmt.Errorf("invalid --now %q: use RFC 3339, such as 2026-03-14T02:47:31Z", o.NowText)
	}
	o.now = now
	return nil
}

// validateSources checks the combination of --from, -f and --now.
func (o *ExplainOptions) validateSources() error {
	if o.From != "" && o.Filename != "" {
		return errors.New("--from and -f cannot be combined: --from explains a captured file without the cluster, -f explains a manifest against the cluster")
	}
	if o.NowText != "" && o.From == "" {
		return errors.New("--now applies only with --from: a live explanation is evaluated at the time of the gathering")
	}
	return nil
}

// completeFrom loads the file given with --from. Only an explicit
// --namespace narrows the choice of HPA; the kubeconfig is not read.
func (o *ExplainOptions) completeFrom() error {
	var namespace string
	if o.configFlags.Namespace != nil {
		namespace = *o.configFlags.Namespace
	}
	r, source, closeFile, err := o.open(o.From)
	if err != nil {
		return err
	}
	defer closeFile()

	o.loaded, err = snapshot.Load(r, snapshot.Options{Name: o.Name, Namespace: namespace, Source: source})
	if err != nil {
		return err
	}
	o.Namespace = o.loaded.State.Namespace
	o.Name = o.loaded.State.Name
	return nil
}

// completeManifest reads the manifest given with -f. Like kubectl apply, it
// uses the kubeconfig's namespace when the manifest sets none, and rejects
// a manifest whose namespace differs from an explicit --namespace.
func (o *ExplainOptions) completeManifest() error {
	r, source, closeFile, err := o.open(o.Filename)
	if err != nil {
		return err
	}
	defer closeFile()

	hpa, err := snapshot.ReadManifest(r, snapshot.Options{Name: o.Name, Source: source})
	if err != nil {
		return err
	}
	explicit := o.configFlags.Namespace != nil && *o.configFlags.Namespace != ""
	switch {
	case hpa.Namespace == "":
		hpa.Namespace = o.Namespace
	case explicit && hpa.Namespace != o.Namespace:
		return fmt.Errorf("the namespace %q of HPA %q in %s does not match --namespace %q: pass --namespace=%s or remove metadata.namespace", hpa.Namespace, hpa.Name, source, o.Namespace, hpa.Namespace)
	}
	o.Namespace, o.Name = hpa.Namespace, hpa.Name
	o.manifest = hpa
	return nil
}

// open opens a file, or stdin for "-". The returned function closes it.
func (o *ExplainOptions) open(path string) (io.Reader, string, func(), error) {
	if path == "-" {
		if o.In == nil {
			return nil, "", nil, errors.New("no standard input to read: pass a file name")
		}
		return o.In, "stdin", func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", nil, fmt.Errorf("failed to open %s: %w", path, err)
	}
	return f, path, func() { f.Close() }, nil
}

// runFrom explains the loaded file. The evaluation time is --now, else the
// capture time, else the newest timestamp in the file, else now. The first
// step names which.
func (o *ExplainOptions) runFrom() error {
	now, source := o.loaded.EvaluationTime(o.now, time.Now())
	e := o.loaded.Explain(explain.Options{
		Config:     o.ControllerSettings.Config(),
		Now:        now,
		StaleAfter: o.StaleAfter,
	}, source)
	if err := o.print(e); err != nil {
		return err
	}
	return failOn(o.FailOn, e.Findings)
}

// runManifest explains the manifest as a fresh HPA: no status, no history.
func (o *ExplainOptions) runManifest(ctx context.Context) error {
	state, err := o.clients.GatherFor(ctx, o.manifest)
	if err != nil {
		return explainError(err, o.Namespace)
	}
	e := explain.Build(state, explain.Options{
		Config:       o.ControllerSettings.Config(),
		StaleAfter:   o.StaleAfter,
		Unapplied:    true,
		KubectlFlags: kubectlFlags(o.configFlags),
	})
	if err := o.print(e); err != nil {
		return err
	}
	return failOn(o.FailOn, e.Findings)
}
