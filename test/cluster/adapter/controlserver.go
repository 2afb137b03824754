package adapter

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"

	"k8s.io/klog/v2"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
)

// maxControlBody bounds a control request body. The demo and the tests set
// at most a few hundred values at once.
const maxControlBody = 4 << 20

// CheckLoopback returns an error unless address (host:port) is on a
// loopback interface, because the control endpoint has no authentication.
func CheckLoopback(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("invalid control address %q: %w", address, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("control address %q is not a loopback address: the control endpoint has no authentication, so bind it to 127.0.0.1", address)
	}
	return nil
}

// NewControlHandler returns the HTTP handler of the control endpoint.
func NewControlHandler(store *Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+control.PathHealthz, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET "+control.PathState, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, store.State())
	})
	mux.HandleFunc("DELETE "+control.PathState, func(w http.ResponseWriter, _ *http.Request) {
		store.Reset()
		klog.InfoS("Reset every metric value and fault")
		w.WriteHeader(http.StatusNoContent)
	})

	handlePut(mux, control.PathPodMetrics, store.SetPodMetrics)
	handlePut(mux, control.PathObjectMetrics, store.SetObjectMetrics)
	handlePut(mux, control.PathExternalMetrics, store.SetExternalMetrics)
	handlePut(mux, control.PathPodUsage, store.SetPodUsage)
	handlePut(mux, control.PathFaults, store.SetFaults)

	for _, path := range []string{control.PathPodMetrics, control.PathObjectMetrics, control.PathExternalMetrics, control.PathPodUsage, control.PathFaults} {
		mux.HandleFunc("DELETE "+path, func(w http.ResponseWriter, r *http.Request) {
			query := r.URL.Query()
			filter := control.Filter{
				Namespace: query.Get("namespace"),
				Name:      query.Get("name"),
				Metric:    query.Get("metric"),
				API:       query.Get("api"),
			}
			if err := store.Delete(path, filter); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			klog.InfoS("Deleted entries", "path", path, "filter", filter)
			w.WriteHeader(http.StatusNoContent)
		})
	}
	return mux
}

// handlePut registers a PUT handler that decodes a JSON list and hands it
// to set, which rejects the whole list if one entry is invalid.
func handlePut[T any](mux *http.ServeMux, path string, set func([]T) error) {
	mux.HandleFunc("PUT "+path, func(w http.ResponseWriter, r *http.Request) {
		var values []T
		decoder := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
		decoder.DisallowUnknownFields()
		if err := decoder.Decode(&values); err != nil {
			http.Error(w, fmt.Sprintf("invalid JSON list for %s: %v", path, err), http.StatusBadRequest)
			return
		}
		if err := set(values); err != nil {
			klog.InfoS("Rejected control request", "path", path, "err", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		klog.V(1).InfoS("Set entries", "path", path, "count", len(values))
		w.WriteHeader(http.StatusNoContent)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		klog.ErrorS(err, "Failed to write control response")
	}
}
