package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
)

// HPACheck reports whether an HPA is in the awaited state.
type HPACheck func(hpa *autoscalingv2.HorizontalPodAutoscaler) bool

// WaitForHPA polls the HPA until check passes. On timeout the error shows
// the HPA's last status, so a failing test reports what the controller did.
func (c *Cluster) WaitForHPA(ctx context.Context, namespace, name string, timeout time.Duration, check HPACheck) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	var last *autoscalingv2.HorizontalPodAutoscaler
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		hpa, err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			lastErr = err
			return false, nil
		}
		last = hpa
		return check(hpa), nil
	})
	if err == nil {
		return last, nil
	}
	if last == nil {
		return nil, fmt.Errorf("HPA %s/%s: timed out after %s: %v", namespace, name, timeout, lastErr)
	}
	if aliveErr := c.CheckAlive(); aliveErr != nil {
		return last, fmt.Errorf("HPA %s/%s: timed out after %s because the control plane is down: %w", namespace, name, timeout, aliveErr)
	}
	return last, fmt.Errorf("HPA %s/%s: timed out after %s; last status: %s", namespace, name, timeout, DescribeHPAStatus(last))
}

// WaitForHPACondition waits until the HPA has condition condType with
// status.
func (c *Cluster) WaitForHPACondition(ctx context.Context, namespace, name string, condType autoscalingv2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, timeout time.Duration) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	return c.WaitForHPA(ctx, namespace, name, timeout, func(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
		cond := HPACondition(hpa, condType)
		return cond != nil && cond.Status == status
	})
}

// WaitForDesiredReplicas waits until the HPA's status.desiredReplicas is n.
func (c *Cluster) WaitForDesiredReplicas(ctx context.Context, namespace, name string, n int32, timeout time.Duration) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	return c.WaitForHPA(ctx, namespace, name, timeout, func(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
		return hpa.Status.DesiredReplicas == n
	})
}

// HPACondition returns the HPA's condition of condType, or nil.
func HPACondition(hpa *autoscalingv2.HorizontalPodAutoscaler, condType autoscalingv2.HorizontalPodAutoscalerConditionType) *autoscalingv2.HorizontalPodAutoscalerCondition {
	for i := range hpa.Status.Conditions {
		if hpa.Status.Conditions[i].Type == condType {
			return &hpa.Status.Conditions[i]
		}
	}
	return nil
}

// DescribeHPAStatus summarizes an HPA's status on one line.
func DescribeHPAStatus(hpa *autoscalingv2.HorizontalPodAutoscaler) string {
	var b strings.Builder
	fmt.Fprintf(&b, "currentReplicas=%d desiredReplicas=%d", hpa.Status.CurrentReplicas, hpa.Status.DesiredReplicas)
	for _, cond := range hpa.Status.Conditions {
		fmt.Fprintf(&b, "; %s=%s %s: %s", cond.Type, cond.Status, cond.Reason, cond.Message)
	}
	return b.String()
}

// ReadyPods returns the pods in namespace matching selector that are
// Running and Ready and not being deleted.
func (c *Cluster) ReadyPods(ctx context.Context, namespace string, selector map[string]string) ([]corev1.Pod, error) {
	list, err := c.Client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: labels.Set(selector).String()})
	if err != nil {
		return nil, fmt.Errorf("list pods in %s matching %v: %w", namespace, selector, err)
	}
	var ready []corev1.Pod
	for _, pod := range list.Items {
		if pod.DeletionTimestamp == nil && pod.Status.Phase == corev1.PodRunning && isPodReady(&pod) {
			ready = append(ready, pod)
		}
	}
	return ready, nil
}

func isPodReady(pod *corev1.Pod) bool {
	for _, cond := range pod.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
