package harness

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// FixtureImage is the image of every fixture container. Nothing pulls it,
// since there is no kubelet.
const FixtureImage = "registry.k8s.io/pause:3.10"

// CreateNamespace creates a namespace and its default ServiceAccount. The
// serviceaccount controller creates that account too, but pods created
// before it does would be rejected by the ServiceAccount admission plugin.
func (c *Cluster) CreateNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: name}}
	if _, err := c.Client.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create the default ServiceAccount in %s: %w", name, err)
	}
	return nil
}

// AppLabels are the labels of a fixture workload's pods and its selector.
func AppLabels(app string) map[string]string {
	return map[string]string{"app": app}
}

// PodTemplate returns a pod template with one container named "app" that
// requests 100m CPU and 64Mi memory, so Resource utilization metrics work.
func PodTemplate(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: AppLabels(app)},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "app",
				Image: FixtureImage,
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("100m"),
						corev1.ResourceMemory: resource.MustParse("64Mi"),
					},
				},
			}},
		},
	}
}

// Deployment returns a Deployment of replicas fixture pods labeled
// app=name.
func Deployment(namespace, name string, replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: AppLabels(name)},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptrTo(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: AppLabels(name)},
			Template: PodTemplate(name),
		},
	}
}

// StatefulSet returns a StatefulSet of replicas fixture pods labeled
// app=name, with parallel pod management so scaling does not wait for each
// pod in turn.
func StatefulSet(namespace, name string, replicas int32) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: AppLabels(name)},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptrTo(replicas),
			Selector:            &metav1.LabelSelector{MatchLabels: AppLabels(name)},
			Template:            PodTemplate(name),
			ServiceName:         name,
			PodManagementPolicy: appsv1.ParallelPodManagement,
		},
	}
}

// ReplicaSet returns a bare ReplicaSet of replicas fixture pods labeled
// app=name.
func ReplicaSet(namespace, name string, replicas int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: AppLabels(name)},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptrTo(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: AppLabels(name)},
			Template: PodTemplate(name),
		},
	}
}

// HPA returns an autoscaling/v2 HorizontalPodAutoscaler.
func HPA(namespace, name string, target autoscalingv2.CrossVersionObjectReference, minReplicas, maxReplicas int32, metrics ...autoscalingv2.MetricSpec) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: target,
			MinReplicas:    ptrTo(minReplicas),
			MaxReplicas:    maxReplicas,
			Metrics:        metrics,
		},
	}
}

// DeploymentRef returns a scale target reference to a Deployment.
func DeploymentRef(name string) autoscalingv2.CrossVersionObjectReference {
	return autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name}
}

// StatefulSetRef returns a scale target reference to a StatefulSet.
func StatefulSetRef(name string) autoscalingv2.CrossVersionObjectReference {
	return autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: name}
}

// PodsMetric returns a Pods metric with an AverageValue target.
func PodsMetric(metric string, averageValue resource.Quantity) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: metric},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &averageValue},
		},
	}
}

// ResourceUtilization returns a Resource metric with a Utilization target
// in percent of the pods' requests.
func ResourceUtilization(name corev1.ResourceName, percent int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   name,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptrTo(percent)},
		},
	}
}

// ObjectMetric returns an Object metric with a Value target.
func ObjectMetric(object autoscalingv2.CrossVersionObjectReference, metric string, value resource.Quantity) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ObjectMetricSourceType,
		Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: object,
			Metric:          autoscalingv2.MetricIdentifier{Name: metric},
			Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: &value},
		},
	}
}

// ExternalMetric returns an External metric with an AverageValue target,
// selecting series by matchLabels (nil selects all).
func ExternalMetric(metric string, matchLabels map[string]string, averageValue resource.Quantity) autoscalingv2.MetricSpec {
	identifier := autoscalingv2.MetricIdentifier{Name: metric}
	if matchLabels != nil {
		identifier.Selector = &metav1.LabelSelector{MatchLabels: matchLabels}
	}
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{
			Metric: identifier,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &averageValue},
		},
	}
}

// CreateDeployment creates d and waits until its pods are ready.
func (c *Cluster) CreateDeployment(ctx context.Context, d *appsv1.Deployment, timeout time.Duration) error {
	if _, err := c.Client.AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create Deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	return c.WaitForDeploymentReady(ctx, d.Namespace, d.Name, timeout)
}

// WaitForDeploymentReady waits until the Deployment's controller has caught
// up with its spec and every replica is ready.
func (c *Cluster) WaitForDeploymentReady(ctx context.Context, namespace, name string, timeout time.Duration) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		d, err := c.Client.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		last = fmt.Sprintf("spec.replicas=%d observedGeneration=%d/%d replicas=%d updated=%d ready=%d",
			want, d.Status.ObservedGeneration, d.Generation, d.Status.Replicas, d.Status.UpdatedReplicas, d.Status.ReadyReplicas)
		return d.Status.ObservedGeneration >= d.Generation &&
			d.Status.Replicas == want && d.Status.UpdatedReplicas == want && d.Status.ReadyReplicas == want, nil
	})
	if err != nil {
		return fmt.Errorf("Deployment %s/%s not ready after %s: %s", namespace, name, timeout, last)
	}
	return nil
}
