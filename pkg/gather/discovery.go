package gather

import (
	"context"
	"fmt"
	"slices"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	custommetricsclient "k8s.io/metrics/pkg/client/custom_metrics"
)

const (
	customMetricsGroup   = "custom.metrics.k8s.io"
	resourceMetricsGroup = "metrics.k8s.io"
	externalMetricsGroup = "external.metrics.k8s.io"
)

var (
	customMetricsV1beta2 = schema.GroupVersion{Group: customMetricsGroup, Version: "v1beta2"}
	customMetricsV1beta1 = schema.GroupVersion{Group: customMetricsGroup, Version: "v1beta1"}
	// externalMetricsV1beta1 is the only version the external metrics
	// client speaks, so the controller uses it without consulting discovery.
	externalMetricsV1beta1 = schema.GroupVersion{Group: externalMetricsGroup, Version: "v1beta1"}
	// resourceMetricsV1beta1 is the version the controller's resource
	// metrics client reads (kube-controller-manager v1.37.2).
	resourceMetricsV1beta1 = schema.GroupVersion{Group: resourceMetricsGroup, Version: "v1beta1"}
	resourceMetricsV1      = schema.GroupVersion{Group: resourceMetricsGroup, Version: "v1"}
)

// apiGroups is the server's group list, reduced to the metrics groups.
type apiGroups struct {
	// groups maps a group name to its discovery entry. It is nil when
	// discovery failed.
	groups map[string]metav1.APIGroup
	err    *SourceError
}

// usesAPI reports whether any metric in the HPA's spec reads group. It
// reads the HPA, not State.Metrics, which other goroutines are filling.
func (g *gathering) usesAPI(group string) bool {
	for _, spec := range g.state.HPA.Spec.Metrics {
		switch spec.Type {
		case autoscalingv2.PodsMetricSourceType, autoscalingv2.ObjectMetricSourceType:
			if group == customMetricsGroup {
				return true
			}
		case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
			if group == resourceMetricsGroup {
				return true
			}
		case autoscalingv2.ExternalMetricSourceType:
			if group == externalMetricsGroup {
				return true
			}
		}
	}
	return false
}

// discoverGroups reads the server's API groups once per gathering, through
// the getter's discovery client so that its cache is shared with the
// RESTMapper. When a metrics group the HPA uses is missing from a cache
// filled by an earlier run, the cache is refreshed once, because an adapter
// installed since then would otherwise look absent.
func (g *gathering) discoverGroups() *apiGroups {
	ctx, done := g.begin()
	defer done()

	result, err := callBounded(ctx, func() (*apiGroups, error) {
		g.c.discoveryMu.Lock()
		defer g.c.discoveryMu.Unlock()

		result, err := g.readGroups(ctx)
		if err != nil || g.c.discovery.Fresh() || !g.missesUsedGroup(result) {
			return result, err
		}
		g.c.discovery.Invalidate()
		return g.readGroups(ctx)
	})
	if err != nil {
		g.state.DiscoveryError = newSourceError("discover API groups", err)
		return &apiGroups{err: g.state.DiscoveryError}
	}
	g.recordVersions(result)
	return result
}

// readGroups must be called with discoveryMu held.
func (g *gathering) readGroups(ctx context.Context) (*apiGroups, error) {
	var list *metav1.APIGroupList
	var err error
	if withContext, ok := g.c.discovery.(discovery.DiscoveryInterfaceWithContext); ok {
		list, err = withContext.ServerGroupsWithContext(ctx)
	} else {
		list, err = g.c.discovery.ServerGroups()
	}
	if err != nil {
		return nil, err
	}

	result := &apiGroups{groups: map[string]metav1.APIGroup{}}
	for _, group := range list.Groups {
		result.groups[group.Name] = group
	}
	return result, nil
}

func (g *gathering) missesUsedGroup(result *apiGroups) bool {
	for _, group := range []string{customMetricsGroup, resourceMetricsGroup} {
		if _, ok := result.groups[group]; g.usesAPI(group) && !ok {
			return true
		}
	}
	return false
}

// recordVersions stores the versions served for each metrics group in the
// State, so the diagnosis can compare them with what the controller reads.
func (g *gathering) recordVersions(result *apiGroups) {
	if result.groups == nil {
		return
	}
	g.state.MetricsAPIVersions = map[string][]string{}
	for _, name := range []string{customMetricsGroup, resourceMetricsGroup, externalMetricsGroup} {
		group, ok := result.groups[name]
		if !ok {
			continue
		}
		var versions []string
		for _, v := range group.Versions {
			versions = append(versions, v.Version)
		}
		g.state.MetricsAPIVersions[name] = versions
	}
}

// notServed is the error for a metrics group missing from discovery. No
// request was sent, so Code stays zero.
func notServed(group, hint string) *SourceError {
	return &SourceError{
		Source:  "discover API groups",
		Reason:  metav1.StatusReasonNotFound,
		Message: fmt.Sprintf("the API server does not serve %s: no APIService registers it; %s", group, hint),
	}
}

// customMetricsAPI is the custom metrics version chosen for this gathering
// and a client for it.
type customMetricsAPI struct {
	version schema.GroupVersion
	client  custommetricsclient.CustomMetricsClient
	err     *SourceError
}

// chooseCustomMetricsAPI picks the custom metrics version as client-go's
// custom metrics discovery does for the controller: the group's preferred
// version when the client knows it, else the first known version listed.
// When discovery failed it falls back to v1beta2, the newest version, so
// the values can still be read.
func (g *gathering) chooseCustomMetricsAPI() *customMetricsAPI {
	groups := g.groups()
	version := customMetricsV1beta2

	if groups.err == nil {
		group, ok := groups.groups[customMetricsGroup]
		if !ok {
			return &customMetricsAPI{version: version, err: notServed(customMetricsGroup, "install or repair the custom metrics adapter")}
		}
		chosen, ok := chooseKnownVersion(group, []schema.GroupVersion{customMetricsV1beta2, customMetricsV1beta1})
		if !ok {
			return &customMetricsAPI{version: version, err: &SourceError{
				Source:  "discover API groups",
				Message: fmt.Sprintf("%s serves only %s, and the controller reads v1beta2 or v1beta1", customMetricsGroup, strings.Join(groupVersions(group), ", ")),
			}}
		}
		version = chosen
	}

	client, err := g.c.customMetricsClient(version)
	if err != nil {
		return &customMetricsAPI{version: version, err: newSourceError("create the "+version.String()+" client", err)}
	}
	return &customMetricsAPI{version: version, client: client}
}

func chooseKnownVersion(group metav1.APIGroup, known []schema.GroupVersion) (schema.GroupVersion, bool) {
	for _, v := range known {
		if v.String() == group.PreferredVersion.GroupVersion {
			return v, true
		}
	}
	for _, served := range group.Versions {
		for _, v := range known {
			if v.String() == served.GroupVersion {
				return v, true
			}
		}
	}
	return schema.GroupVersion{}, false
}

func groupVersions(group metav1.APIGroup) []string {
	var versions []string
	for _, v := range group.Versions {
		versions = append(versions, v.Version)
	}
	return versions
}

// resourceMetricsVersion picks metrics.k8s.io/v1 where the server serves
// it, else v1beta1. Both versions have the same schema.
//
// NOTE: kube-controller-manager v1.37.2 reads only v1beta1. On a server
// that serves v1 alone, the gathering gets values that the controller does
// not, and the diagnosis must check State.MetricsAPIVersions for that.
func (g *gathering) resourceMetricsVersion() (schema.GroupVersion, *SourceError) {
	groups := g.groups()
	if groups.err != nil {
		return resourceMetricsV1beta1, nil
	}
	group, ok := groups.groups[resourceMetricsGroup]
	if !ok {
		return resourceMetricsV1beta1, notServed(resourceMetricsGroup, "install or repair metrics-server")
	}
	versions := groupVersions(group)
	if slices.Contains(versions, resourceMetricsV1.Version) {
		return resourceMetricsV1, nil
	}
	if slices.Contains(versions, resourceMetricsV1beta1.Version) {
		return resourceMetricsV1beta1, nil
	}
	return resourceMetricsV1beta1, &SourceError{
		Source:  "discover API groups",
		Message: fmt.Sprintf("%s serves only %s, and the controller reads v1beta1", resourceMetricsGroup, strings.Join(versions, ", ")),
	}
}

// getCustomMetricsResources reads the chosen custom metrics version's
// discovery document, the metric names the adapter serves. It bypasses the
// discovery cache because the adapter's metric list changes as series
// appear and disappear.
func (g *gathering) getCustomMetricsResources() {
	api := g.customMetrics()
	if api.err != nil {
		return
	}

	ctx, done := g.begin()
	defer done()
	list, err := g.c.liveDiscovery.ServerResourcesForGroupVersionWithContext(ctx, api.version.String())
	if err != nil {
		g.state.CustomMetricsResourcesError = newSourceError("GET /apis/"+api.version.String(), err)
		return
	}
	g.state.CustomMetricsResources = list
}
