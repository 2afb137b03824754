package snapshot

import (
	"fmt"
	"strconv"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// lastAppliedAnnotation repeats the whole object as kubectl applied it,
// container env values included for workloads, so no snapshot keeps it.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// trimHPA copies an HPA without managedFields and the last-applied
// annotation. The copy always has an annotations map.
func trimHPA(in *autoscalingv2.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	hpa := in.DeepCopy()
	hpa.APIVersion, hpa.Kind = "autoscaling/v2", "HorizontalPodAutoscaler"
	hpa.ManagedFields = nil
	if hpa.Annotations == nil {
		hpa.Annotations = map[string]string{}
	}
	delete(hpa.Annotations, lastAppliedAnnotation)
	return hpa
}

// replicaSetMeta is a ReplicaSet reduced to the metadata that ties pods to
// their Deployment.
type replicaSetMeta struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
}

func trimReplicaSet(in *metav1.PartialObjectMetadata) *replicaSetMeta {
	return &replicaSetMeta{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		Metadata: metav1.ObjectMeta{
			Name:              in.Name,
			Namespace:         in.Namespace,
			UID:               in.UID,
			CreationTimestamp: in.CreationTimestamp,
			Labels:            in.Labels,
			OwnerReferences:   in.OwnerReferences,
		},
	}
}

// redactPod keeps what the controller's computation and the diagnosis read
// from a pod: identity, labels, owners, deletion, requests (pod-level,
// container and sidecar), overhead, phase, conditions and start time.
// Annotations, env, envFrom, command, args, probes, volumes and volume
// mounts are dropped, because they may hold secrets and nothing reads them.
func redactPod(in *corev1.Pod) *corev1.Pod {
	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:                       in.Name,
			GenerateName:               in.GenerateName,
			Namespace:                  in.Namespace,
			UID:                        in.UID,
			ResourceVersion:            in.ResourceVersion,
			CreationTimestamp:          in.CreationTimestamp,
			DeletionTimestamp:          in.DeletionTimestamp,
			DeletionGracePeriodSeconds: in.DeletionGracePeriodSeconds,
			Labels:                     in.Labels,
			OwnerReferences:            in.OwnerReferences,
		},
		Spec: corev1.PodSpec{
			Containers:     redactContainers(in.Spec.Containers),
			InitContainers: redactContainers(in.Spec.InitContainers),
			Resources:      in.Spec.Resources,
			Overhead:       in.Spec.Overhead,
		},
		Status: corev1.PodStatus{
			Phase:      in.Status.Phase,
			Conditions: in.Status.Conditions,
			StartTime:  in.Status.StartTime,
			Reason:     in.Status.Reason,
		},
	}
	return pod.DeepCopy()
}

func redactContainers(in []corev1.Container) []corev1.Container {
	if in == nil {
		return nil
	}
	out := make([]corev1.Container, len(in))
	for i, c := range in {
		out[i] = corev1.Container{
			Name:          c.Name,
			Image:         c.Image,
			Ports:         c.Ports,
			Resources:     c.Resources,
			RestartPolicy: c.RestartPolicy,
		}
	}
	return out
}

// apiServiceFrom rebuilds an APIService object from what the gathering kept.
func apiServiceFrom(svc *gather.APIService) *apiServiceObject {
	obj := &apiServiceObject{
		TypeMeta: metav1.TypeMeta{APIVersion: apiRegistrationGroup + "/v1", Kind: "APIService"},
		Metadata: metav1.ObjectMeta{Name: svc.Name},
	}
	if version, group, ok := strings.Cut(svc.Name, "."); ok {
		obj.Spec.Group, obj.Spec.Version = group, version
	}
	obj.Spec.Service = parseServiceReference(svc.Service)
	if c := svc.Available; c != nil {
		obj.Status.Conditions = []apiServiceCondition{{
			Type:               c.Type,
			Status:             string(c.Status),
			LastTransitionTime: c.LastTransitionTime,
			Reason:             c.Reason,
			Message:            c.Message,
		}}
	}
	return obj
}

// parseServiceReference reverses the "namespace/name:port" form of
// gather.APIService.Service. "Local" and unparsable values give nil, a
// service served by the API server itself.
func parseServiceReference(s string) *serviceReference {
	namespace, rest, ok := strings.Cut(s, "/")
	if !ok {
		return nil
	}
	name, portText, ok := strings.Cut(rest, ":")
	if !ok {
		return nil
	}
	port, err := strconv.ParseInt(portText, 10, 32)
	if err != nil {
		return nil
	}
	p := int32(port)
	return &serviceReference{Namespace: namespace, Name: name, Port: &p}
}

// apiServiceTo reduces an APIService object the way the gathering does.
func apiServiceTo(obj *apiServiceObject) *gather.APIService {
	svc := &gather.APIService{Name: obj.Metadata.Name, Found: true, Service: "Local"}
	if ref := obj.Spec.Service; ref != nil {
		port := int32(443)
		if ref.Port != nil {
			port = *ref.Port
		}
		svc.Service = fmt.Sprintf("%s/%s:%d", ref.Namespace, ref.Name, port)
	}
	for _, c := range obj.Status.Conditions {
		if c.Type == "Available" {
			svc.Available = &metav1.Condition{
				Type:               c.Type,
				Status:             metav1.ConditionStatus(c.Status),
				LastTransitionTime: c.LastTransitionTime,
				Reason:             c.Reason,
				Message:            c.Message,
			}
		}
	}
	return svc
}
