package snapshot

import (
	"encoding/json"
	"fmt"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// workload is a Deployment, StatefulSet, ReplicaSet or
// ReplicationController, reduced to what its scale subresource shows.
type workload struct {
	meta           metav1.ObjectMeta
	replicas       *int32
	statusReplicas int32
	// selector is the scale's status.selector; selectorErr is set when
	// spec.selector does not convert to one.
	selector    string
	selectorErr error
}

// workloadObject is the schema shared by the kinds above, except that a
// ReplicationController's selector is a plain label map.
type workloadObject struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		Replicas *int32          `json:"replicas"`
		Selector json.RawMessage `json:"selector"`
	} `json:"spec"`
	Status struct {
		Replicas int32 `json:"replicas"`
	} `json:"status"`
}

func decodeWorkload(obj rawObject) (*workload, error) {
	var in workloadObject
	if err := json.Unmarshal(obj.raw, &in); err != nil {
		return nil, fmt.Errorf("%s is not a valid %s: %v", obj.where, obj.gvk.Kind, err)
	}
	w := &workload{meta: in.Metadata, replicas: in.Spec.Replicas, statusReplicas: in.Status.Replicas}

	hasSelector := len(in.Spec.Selector) > 0 && string(in.Spec.Selector) != "null"
	if obj.gvk.GroupKind() == gkReplicationCtl {
		var set map[string]string
		if hasSelector {
			if err := json.Unmarshal(in.Spec.Selector, &set); err != nil {
				return nil, fmt.Errorf("%s has an invalid spec.selector: %v", obj.where, err)
			}
		}
		w.selector = labels.SelectorFromSet(set).String()
		return w, nil
	}

	var selector *metav1.LabelSelector
	if hasSelector {
		selector = &metav1.LabelSelector{}
		if err := json.Unmarshal(in.Spec.Selector, selector); err != nil {
			return nil, fmt.Errorf("%s has an invalid spec.selector: %v", obj.where, err)
		}
	}
	parsed, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		w.selectorErr = err
		return w, nil
	}
	w.selector = parsed.String()
	return w, nil
}

// scale derives the scale subresource the way the API server does for
// these kinds: spec.replicas (1 when unset, the API server's default),
// status.replicas, and spec.selector as a string.
func (w *workload) scale(namespace string) *autoscalingv1.Scale {
	replicas := int32(1)
	if w.replicas != nil {
		replicas = *w.replicas
	}
	meta := metav1.ObjectMeta{
		Name:              w.meta.Name,
		Namespace:         w.meta.Namespace,
		UID:               w.meta.UID,
		ResourceVersion:   w.meta.ResourceVersion,
		CreationTimestamp: w.meta.CreationTimestamp,
	}
	if meta.Namespace == "" {
		meta.Namespace = namespace
	}
	return &autoscalingv1.Scale{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: meta,
		Spec:       autoscalingv1.ScaleSpec{Replicas: replicas},
		Status:     autoscalingv1.ScaleStatus{Replicas: w.statusReplicas, Selector: w.selector},
	}
}

// refGroupKind returns the group and kind a scaleTargetRef names.
func refGroupKind(ref autoscalingv2.CrossVersionObjectReference) (schema.GroupVersion, schema.GroupKind, bool) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return schema.GroupVersion{}, schema.GroupKind{}, false
	}
	return gv, schema.GroupKind{Group: gv.Group, Kind: ref.Kind}, true
}

// resourceFor returns the resource the RESTMapper maps a scale target to:
// exact for the built-in workload kinds, and the lower-case plural of the
// kind otherwise.
// NOTE: custom resources with an irregular plural get a wrong resource
// name; it only appears in check commands.
func resourceFor(ref autoscalingv2.CrossVersionObjectReference) schema.GroupVersionResource {
	gv, gk, ok := refGroupKind(ref)
	if !ok {
		return schema.GroupVersionResource{}
	}
	switch gk {
	case gkDeployment:
		return gv.WithResource("deployments")
	case gkStatefulSet:
		return gv.WithResource("statefulsets")
	case gkReplicaSet:
		return gv.WithResource("replicasets")
	case gkReplicationCtl:
		return gv.WithResource("replicationcontrollers")
	}
	lower := strings.ToLower(ref.Kind)
	switch {
	case strings.HasSuffix(lower, "s"), strings.HasSuffix(lower, "x"), strings.HasSuffix(lower, "ch"), strings.HasSuffix(lower, "sh"):
		return gv.WithResource(lower + "es")
	case strings.HasSuffix(lower, "y") && len(lower) > 1 && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return gv.WithResource(lower[:len(lower)-1] + "ies")
	}
	return gv.WithResource(lower + "s")
}
