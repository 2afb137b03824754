package gather

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// NotFoundError reports that the HPA does not exist.
type NotFoundError struct {
	Namespace string
	Name      string
	// Similar lists HPA names in the namespace close to Name, closest first.
	Similar []string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("HorizontalPodAutoscaler %q not found in namespace %q", e.Name, e.Namespace)
	if len(e.Similar) > 0 {
		msg += "; did you mean " + strings.Join(quoteAll(e.Similar), " or ") + "?"
	}
	return msg
}

// ForbiddenError reports that RBAC denied a request without which nothing
// can be explained.
type ForbiddenError struct {
	// Verb and Resource are what was denied, such as "get" and
	// "horizontalpodautoscalers.autoscaling".
	Verb      string
	Resource  string
	Namespace string
	Name      string
	// Message is the API server's message.
	Message string
}

func (e *ForbiddenError) Error() string {
	target := e.Resource
	if e.Name != "" {
		target += " " + e.Name
	}
	return fmt.Sprintf("forbidden: cannot %s %s in namespace %q: %s", e.Verb, target, e.Namespace, e.Message)
}

// UnreachableError reports that no response came from the API server.
type UnreachableError struct {
	// Server is the API server URL from the kubeconfig.
	Server string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the API server at %s: %v", e.Server, e.Err)
}

func (e *UnreachableError) Unwrap() error {
	return e.Err
}

// isUnreachable reports whether err means the server could not be talked
// to: dial failures (refused, no route, DNS, dial timeout), a connection
// closed or reset before any response, and TLS handshake or certificate
// failures.
func isUnreachable(err error) bool {
	if err == nil {
		return false
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return false
	}

	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	// net/http does not export the error for a connection the server
	// closed before responding, so only its message identifies it.
	if utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		strings.Contains(err.Error(), "http: server closed idle connection") {
		return true
	}

	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordHeader tls.RecordHeaderError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &recordHeader)
}

// isTimeout reports whether the request ran out of time: the request's
// context, the HTTP client timeout, a network timeout, or the API server's
// 504 with reason Timeout. client-go sends the client's timeout as
// ?timeout=, so the server may give up first.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// newSourceError records err from the request described by source.
func newSourceError(source string, err error) *SourceError {
	se := &SourceError{Source: source, Message: err.Error()}

	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		se.Code = int(s.Code)
		se.Reason = s.Reason
		if s.Message != "" {
			se.Message = s.Message
		}
	}
	se.TimedOut = isTimeout(err)
	if se.TimedOut && se.Code == 0 {
		se.Message = "timed out: " + se.Message
	}
	return se
}

// similarNames returns the names in candidates that look like a typo of
// name, closest first: an edit distance of at most a third of the name's
// length (minimum 2), or one name being a prefix of the other.
func similarNames(name string, candidates []string) []string {
	const maxSuggestions = 3

	type scored struct {
		name     string
		distance int
	}
	var matches []scored
	lower := strings.ToLower(name)
	maxDistance := max(2, len(name)/3)

	for _, candidate := range candidates {
		if candidate == name {
			continue
		}
		c := strings.ToLower(candidate)
		d := editDistance(lower, c)
		if d <= maxDistance || strings.HasPrefix(c, lower) || strings.HasPrefix(lower, c) {
			matches = append(matches, scored{candidate, d})
		}
	}

	sort.SliceStable(matches, func(i, j int) bool {
		if matches[i].distance != matches[j].distance {
			return matches[i].distance < matches[j].distance
		}
		return matches[i].name < matches[j].name
	})

	var names []string
	for i := 0; i < len(matches) && i < maxSuggestions; i++ {
		names = append(names, matches[i].name)
	}
	return names
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (Kubernetes object names are ASCII).
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}

	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			substitution := previous[j-1]
			if a[i-1] != b[j-1] {
				substitution++
			}
			current[j] = min(previous[j]+1, current[j-1]+1, substitution)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}

func quoteAll(names []string) []string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return quoted
}
