package harness

import (
	"context"
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
)

// The fixture custom resource: a namespaced kind with a scale subresource,
// like the CRDs of operators that HPAs target. No controller manages its
// pods; a test creates them and sets the status with SetScalableStatus.
const (
	ScalableGroup    = "fixture.hpametrics.dev"
	ScalableVersion  = "v1"
	ScalableKind     = "Scalable"
	ScalableResource = "scalables"
)

var (
	crdResource      = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	scalableResource = schema.GroupVersionResource{Group: ScalableGroup, Version: ScalableVersion, Resource: ScalableResource}
)

// ScalableRef returns a scale target reference to a Scalable.
func ScalableRef(name string) autoscalingv2.CrossVersionObjectReference {
	return autoscalingv2.CrossVersionObjectReference{APIVersion: ScalableGroup + "/" + ScalableVersion, Kind: ScalableKind, Name: name}
}

// CreateScalableCRD installs the Scalable CRD, with spec.replicas,
// status.replicas and status.selector as its scale subresource paths, and
// waits until it is established. It returns nil if the CRD exists.
func (c *Cluster) CreateScalableCRD(ctx context.Context) error {
	client, err := dynamic.NewForConfig(c.restConfigCopy())
	if err != nil {
		return err
	}
	name := ScalableResource + "." + ScalableGroup
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"group": ScalableGroup,
			"scope": "Namespaced",
			"names": map[string]any{
				"plural":   ScalableResource,
				"singular": "scalable",
				"kind":     ScalableKind,
				"listKind": ScalableKind + "List",
			},
			"versions": []any{map[string]any{
				"name":    ScalableVersion,
				"served":  true,
				"storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type":                                 "object",
					"x-kubernetes-preserve-unknown-fields": true,
				}},
				"subresources": map[string]any{
					"status": map[string]any{},
					"scale": map[string]any{
						"specReplicasPath":   ".spec.replicas",
						"statusReplicasPath": ".status.replicas",
						"labelSelectorPath":  ".status.selector",
					},
				},
			}},
		},
	}}
	if _, err := client.Resource(crdResource).Create(ctx, crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create CRD %s: %w", name, err)
	}

	var last string
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := client.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		conditions, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, cond := range conditions {
			m, _ := cond.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return true, nil
			}
		}
		last = "not Established yet"
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("CRD %s: %s", name, last)
	}
	return nil
}

// CreateScalable creates a Scalable with spec.replicas set and its status
// reporting replicas pods selected by selector.
func (c *Cluster) CreateScalable(ctx context.Context, namespace, name string, replicas int32, selector map[string]string) error {
	client, err := dynamic.NewForConfig(c.restConfigCopy())
	if err != nil {
		return err
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": ScalableGroup + "/" + ScalableVersion,
		"kind":       ScalableKind,
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec":       map[string]any{"replicas": int64(replicas)},
	}}
	if _, err := client.Resource(scalableResource).Namespace(namespace).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create Scalable %s/%s: %w", namespace, name, err)
	}
	return c.SetScalableStatus(ctx, namespace, name, replicas, selector)
}

// SetScalableStatus sets a Scalable's status.replicas and status.selector,
// which its scale subresource reports to the HPA controller.
func (c *Cluster) SetScalableStatus(ctx context.Context, namespace, name string, replicas int32, selector map[string]string) error {
	client, err := dynamic.NewForConfig(c.restConfigCopy())
	if err != nil {
		return err
	}
	resource := client.Resource(scalableResource).Namespace(namespace)
	obj, err := resource.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get Scalable %s/%s: %w", namespace, name, err)
	}
	obj.Object["status"] = map[string]any{
		"replicas": int64(replicas),
		"selector": labels.Set(selector).String(),
	}
	if _, err := resource.UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update status of Scalable %s/%s: %w", namespace, name, err)
	}
	return nil
}
