package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Retry back-off after failed refreshes: the first retry waits
// retryBaseDelay, each further failure doubles the wait, up to
// retryMaxDelay or the refresh interval, whichever is longer. A short blip
// is retried quickly, and an API server that is down is not hammered.
const (
	retryBaseDelay = 2 * time.Second
	retryMaxDelay  = 2 * time.Minute
)

// poller tracks one periodically refreshed source: the fetch in flight, the
// scheduled timer, the last success and the current run of failures.
type poller struct {
	src      source
	interval time.Duration

	// seq identifies the latest fetch; a response with another seq is
	// dropped, because the view moved on since.
	seq      int
	inFlight bool
	// timerGen identifies the latest scheduled refresh; older timers are
	// dropped when they fire.
	timerGen int
	nextAt   time.Time

	lastSuccess time.Time
	failures    int
	err         error
	// errSince is the time of the first failure in the current run.
	errSince time.Time
}

// retryDelay returns the wait after the given number of consecutive
// failures.
func (p *poller) retryDelay(failures int) time.Duration {
	limit := max(retryMaxDelay, p.interval)
	delay := retryBaseDelay
	for i := 1; i < failures && delay < limit; i++ {
		delay *= 2
	}
	return min(delay, limit)
}

// begin records the start of a fetch and returns its seq.
func (p *poller) begin() int {
	p.seq++
	p.inFlight = true
	p.timerGen++ // a manual refresh replaces the scheduled one
	p.nextAt = time.Time{}
	return p.seq
}

// accepts reports whether a response with seq belongs to the fetch in flight.
func (p *poller) accepts(seq int) bool {
	return p.inFlight && seq == p.seq
}

// succeed records a successful fetch and returns the wait before the next.
func (p *poller) succeed(now time.Time) time.Duration {
	p.inFlight = false
	p.lastSuccess = now
	p.failures = 0
	p.err = nil
	p.errSince = time.Time{}
	return p.interval
}

// fail records a failed fetch and returns the wait before the retry.
func (p *poller) fail(err error, now time.Time) time.Duration {
	p.inFlight = false
	p.failures++
	if p.failures == 1 {
		p.errSince = now
	}
	p.err = err
	return p.retryDelay(p.failures)
}

// schedule arms the refresh timer for d from now.
func (p *poller) schedule(clock Clock, d time.Duration) tea.Cmd {
	p.timerGen++
	p.nextAt = clock.Now().Add(d)
	return clock.After(d, refreshDueMsg{src: p.src, gen: p.timerGen})
}

// stop drops the fetch in flight and the scheduled timer, for a view that
// is left.
func (p *poller) stop() {
	p.seq++
	p.inFlight = false
	p.timerGen++
	p.nextAt = time.Time{}
}

// stale reports whether the data on screen is older than the last attempt:
// the latest fetch failed after an earlier one succeeded.
func (p *poller) stale() bool {
	return p.err != nil && !p.lastSuccess.IsZero()
}
