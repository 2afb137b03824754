package snapshot

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// list is the kubectl-style v1 List a snapshot is written as.
type list struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        listMeta `json:"metadata"`
	Items           []any    `json:"items"`
}

// listMeta is ListMeta with the annotations a snapshot adds to lists.
type listMeta struct {
	ResourceVersion string            `json:"resourceVersion,omitempty"`
	Annotations     map[string]string `json:"annotations,omitempty"`
}

// annotatedList is a metric response (MetricValueList, PodMetricsList,
// ExternalMetricValueList) with annotations in its metadata.
type annotatedList[T any] struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        listMeta `json:"metadata"`
	Items           []T      `json:"items"`
}

// statusObject is a v1 Status, the API server's failure response, with
// annotations in its metadata. A snapshot records each failed request as
// one; Code is 0 when no response arrived.
type statusObject struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        listMeta              `json:"metadata"`
	Status          string                `json:"status,omitempty"`
	Message         string                `json:"message,omitempty"`
	Reason          metav1.StatusReason   `json:"reason,omitempty"`
	Details         *metav1.StatusDetails `json:"details,omitempty"`
	Code            int32                 `json:"code"`
}

// apiServiceObject is the part of an apiregistration.k8s.io/v1 APIService
// that a snapshot keeps. The package avoids depending on kube-aggregator
// for these few fields.
type apiServiceObject struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            apiServiceSpec    `json:"spec"`
	Status          apiServiceStatus  `json:"status"`
}

type apiServiceSpec struct {
	Service *serviceReference `json:"service,omitempty"`
	Group   string            `json:"group,omitempty"`
	Version string            `json:"version,omitempty"`
}

type serviceReference struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Port      *int32 `json:"port,omitempty"`
}

type apiServiceStatus struct {
	Conditions []apiServiceCondition `json:"conditions,omitempty"`
}

type apiServiceCondition struct {
	Type               string      `json:"type"`
	Status             string      `json:"status"`
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty"`
	Reason             string      `json:"reason,omitempty"`
	Message            string      `json:"message,omitempty"`
}
