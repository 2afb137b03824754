package harness

import "time"

// defaultHPASyncPeriod is the HPA sync period when Options.HPASyncPeriod is
// zero: shorter than upstream's 15s so that tests are fast.
const defaultHPASyncPeriod = 2 * time.Second

// Options returns the options the cluster was started with, so that a test
// can recompute the HPA controller's decision with the same settings.
func (c *Cluster) Options() Options {
	return c.opts
}

// HPASyncPeriod returns the HPA controller's sync period, with the default
// applied.
func (c *Cluster) HPASyncPeriod() time.Duration {
	if c.opts.HPASyncPeriod == 0 {
		return defaultHPASyncPeriod
	}
	return c.opts.HPASyncPeriod
}
