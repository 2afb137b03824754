package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// clusterRole is the part of an rbac.authorization.k8s.io/v1 ClusterRole
// that docs/rbac.yaml uses. Strict decoding into it rejects any other field,
// which catches misspelled keys that the API server would drop.
type clusterRole struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Rules []policyRule `json:"rules"`
}

type policyRule struct {
	APIGroups []string `json:"apiGroups"`
	Resources []string `json:"resources"`
	Verbs     []string `json:"verbs"`
}

// permission is one request the plugin makes, in RBAC's terms.
type permission struct {
	group, resource, verb string
}

// requiredPermissions are the requests kubectl-hpametrics makes, by the
// ClusterRole meant to grant them. External metrics requests name no object,
// so RBAC checks them as "list".
var requiredPermissions = map[string][]permission{
	"hpametrics-reader": {
		{"autoscaling", "horizontalpodautoscalers", "get"},
		{"autoscaling", "horizontalpodautoscalers", "list"},
		{"apps", "deployments/scale", "get"},
		{"apps", "statefulsets/scale", "get"},
		{"apps", "replicasets/scale", "get"},
		{"", "replicationcontrollers/scale", "get"},
		{"", "pods", "get"},
		{"", "pods", "list"},
		{"apps", "replicasets", "list"},
		{"", "events", "list"},
		{"metrics.k8s.io", "pods", "get"},
		{"metrics.k8s.io", "pods", "list"},
		{"custom.metrics.k8s.io", "pods/http_requests", "get"},
		{"custom.metrics.k8s.io", "deployments.apps/requests_per_second", "get"},
		{"custom.metrics.k8s.io", "metrics/queue_length", "get"},
		{"external.metrics.k8s.io", "queue_messages_ready", "list"},
	},
	"hpametrics-apiservice-reader": {
		{"apiregistration.k8s.io", "apiservices", "get"},
	},
}

// readVerbs are the verbs that only read. The plugin must never be granted
// another.
var readVerbs = map[string]bool{"get": true, "list": true}

// allows reports whether rule grants p, with RBAC's matching: "*" matches
// any group, resource or verb, including subresources.
func (rule policyRule) allows(p permission) bool {
	return matches(rule.APIGroups, p.group) && matches(rule.Resources, p.resource) && matches(rule.Verbs, p.verb)
}

func matches(values []string, want string) bool {
	for _, v := range values {
		if v == "*" || v == want {
			return true
		}
	}
	return false
}

func readClusterRoles(t *testing.T, raw []byte) map[string]clusterRole {
	t.Helper()
	roles := map[string]clusterRole{}
	for i, doc := range bytes.Split(raw, []byte("\n---\n")) {
		var role clusterRole
		if err := yaml.UnmarshalStrict(doc, &role); err != nil {
			t.Fatalf("document %d of docs/rbac.yaml: %v", i, err)
		}
		if role.APIVersion != "rbac.authorization.k8s.io/v1" || role.Kind != "ClusterRole" {
			t.Errorf("document %d is %s %s, expected only rbac.authorization.k8s.io/v1 ClusterRoles (bindings stay commented)", i, role.APIVersion, role.Kind)
		}
		roles[role.Metadata.Name] = role
	}
	return roles
}

// missingPermissions returns the required permissions that no rule of the
// named role grants.
func missingPermissions(roles map[string]clusterRole) []string {
	var missing []string
	for name, perms := range requiredPermissions {
		for _, p := range perms {
			granted := false
			for _, rule := range roles[name].Rules {
				if rule.allows(p) {
					granted = true
				}
			}
			if !granted {
				missing = append(missing, name+": "+p.verb+" "+p.group+"/"+p.resource)
			}
		}
	}
	return missing
}

func TestRBACGrantsEveryRequest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "rbac.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	roles := readClusterRoles(t, raw)
	if len(roles) != len(requiredPermissions) {
		t.Errorf("docs/rbac.yaml defines %d ClusterRoles, expected %d", len(roles), len(requiredPermissions))
	}
	if missing := missingPermissions(roles); len(missing) > 0 {
		t.Errorf("docs/rbac.yaml does not grant:\n%s", strings.Join(missing, "\n"))
	}
	for name, role := range roles {
		for i, rule := range role.Rules {
			for _, verb := range rule.Verbs {
				if !readVerbs[verb] {
					t.Errorf("%s rule %d grants %q, but the plugin only reads", name, i, verb)
				}
			}
		}
	}

	// The check fails once a rule is gone, so the loop above can fail.
	reader := roles["hpametrics-reader"]
	reader.Rules = reader.Rules[1:]
	roles["hpametrics-reader"] = reader
	if missing := missingPermissions(roles); len(missing) == 0 {
		t.Error("removing the horizontalpodautoscalers rule left no permission missing")
	}
}

// TestCaveatsNameEveryResource checks that the manifest's caveats, which
// krew prints after installing, mention every resource that docs/rbac.yaml
// grants.
func TestCaveatsNameEveryResource(t *testing.T) {
	template, err := os.ReadFile(filepath.Join(repoRoot(t), "krew-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "rbac.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, caveats, ok := strings.Cut(string(template), "caveats: |")
	if !ok {
		t.Fatal("krew-manifest.yaml has no caveats block")
	}
	caveats, _, _ = strings.Cut(caveats, "platforms:")
	for name, role := range readClusterRoles(t, raw) {
		for _, rule := range role.Rules {
			for _, resource := range rule.Resources {
				if resource == "*" {
					continue
				}
				if !strings.Contains(caveats, resource) {
					t.Errorf("caveats do not mention %s, which %s grants", resource, name)
				}
			}
			for _, group := range rule.APIGroups {
				if group != "" && !strings.Contains(caveats, group) {
					t.Errorf("caveats do not mention the API group %s, which %s grants", group, name)
				}
			}
		}
	}
}
