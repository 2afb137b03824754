package harness

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func fixturePod() *corev1.Pod {
	template := PodTemplate("web")
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns", UID: "uid-1"}, Spec: template.Spec}
}

func condition(status corev1.PodStatus, condType corev1.PodConditionType) *corev1.PodCondition {
	for i := range status.Conditions {
		if status.Conditions[i].Type == condType {
			return &status.Conditions[i]
		}
	}
	return nil
}

func TestPodStatusRunningReady(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	status := podStatus(fixturePod(), PodPlan{Ready: true, StartedAgo: time.Minute, ReadyAfter: 10 * time.Second}, "10.244.0.2", now)

	if status.Phase != corev1.PodRunning {
		t.Errorf("phase = %s, want Running (the default)", status.Phase)
	}
	if want := now.Add(-time.Minute); !status.StartTime.Time.Equal(want) {
		t.Errorf("startTime = %s, want %s", status.StartTime.Time, want)
	}
	ready := condition(status, corev1.PodReady)
	if ready == nil || ready.Status != corev1.ConditionTrue {
		t.Fatalf("Ready condition = %+v, want True", ready)
	}
	if want := now.Add(-50 * time.Second); !ready.LastTransitionTime.Time.Equal(want) {
		t.Errorf("Ready lastTransitionTime = %s, want start + 10s = %s", ready.LastTransitionTime.Time, want)
	}
	if len(status.ContainerStatuses) != 1 || !status.ContainerStatuses[0].Ready || status.ContainerStatuses[0].State.Running == nil {
		t.Errorf("container statuses = %+v, want one ready running container", status.ContainerStatuses)
	}
	if status.PodIP != "10.244.0.2" {
		t.Errorf("podIP = %q, want 10.244.0.2", status.PodIP)
	}
}

func TestPodStatusNotReadyPhases(t *testing.T) {
	now := time.Now()
	cases := []struct {
		plan        PodPlan
		wantPhase   corev1.PodPhase
		wantWaiting bool
		wantExit    int32
	}{
		{PodPlan{Phase: corev1.PodRunning, Ready: false}, corev1.PodRunning, false, -1},
		{PodPlan{Phase: corev1.PodPending, Ready: true}, corev1.PodPending, true, -1},
		{PodPlan{Phase: corev1.PodFailed}, corev1.PodFailed, false, 1},
		{PodPlan{Phase: corev1.PodSucceeded}, corev1.PodSucceeded, false, 0},
	}
	for _, tc := range cases {
		status := podStatus(fixturePod(), tc.plan, "10.244.0.3", now)
		if status.Phase != tc.wantPhase {
			t.Errorf("%+v: phase = %s, want %s", tc.plan, status.Phase, tc.wantPhase)
		}
		// Only a Running pod can be ready, whatever the plan requests.
		if ready := condition(status, corev1.PodReady); ready == nil || ready.Status != corev1.ConditionFalse {
			t.Errorf("%+v: Ready condition = %+v, want False", tc.plan, ready)
		}
		container := status.ContainerStatuses[0]
		if got := container.State.Waiting != nil; got != tc.wantWaiting {
			t.Errorf("%+v: container waiting = %v, want %v", tc.plan, got, tc.wantWaiting)
		}
		if tc.wantExit >= 0 && (container.State.Terminated == nil || container.State.Terminated.ExitCode != tc.wantExit) {
			t.Errorf("%+v: terminated = %+v, want exit code %d", tc.plan, container.State.Terminated, tc.wantExit)
		}
	}
}

func TestPodStatusDriverPolicyDefault(t *testing.T) {
	driver := newPodStatusDriver(nil)
	plan := driver.policy("any")(fixturePod())
	if plan.Phase != corev1.PodRunning || !plan.Ready {
		t.Errorf("default plan = %+v, want Running and Ready", plan)
	}

	driver.SetPolicy("ns", func(*corev1.Pod) PodPlan { return PodPlan{Phase: corev1.PodPending} })
	if plan := driver.policy("ns")(fixturePod()); plan.Phase != corev1.PodPending {
		t.Errorf("plan after SetPolicy = %+v, want Pending", plan)
	}
	driver.SetPolicy("ns", nil)
	if plan := driver.policy("ns")(fixturePod()); !plan.Ready {
		t.Errorf("plan after SetPolicy(nil) = %+v, want the default", plan)
	}
}

func TestFreePortsDistinct(t *testing.T) {
	ports, err := freePorts(6)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, port := range ports {
		if port <= 0 || seen[port] {
			t.Errorf("ports = %v, want 6 distinct positive ports", ports)
			break
		}
		seen[port] = true
	}
}
