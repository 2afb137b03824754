package harness

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
)

// FixtureNodeName is the node every pod is bound to. No Node object or
// kubelet exists; binding only makes the pods look scheduled.
const FixtureNodeName = "fixture-node"

// PodPlan is the status the driver gives a pod in place of a kubelet.
type PodPlan struct {
	// Phase is Running, Pending (scheduled, containers still being
	// created), Failed or Succeeded. Empty means Running.
	Phase corev1.PodPhase
	// Ready sets the Ready and ContainersReady conditions and each
	// container's ready flag. Only a Running pod can be ready.
	Ready bool
	// StartedAgo backdates status.startTime, for example past the HPA's
	// CPU initialization period.
	StartedAgo time.Duration
	// ReadyAfter is the time from start to the Ready condition's last
	// transition. The HPA uses it to tell initial readiness from a later
	// change.
	ReadyAfter time.Duration
}

// PodPolicy picks the plan for a new pod.
type PodPolicy func(pod *corev1.Pod) PodPlan

// RunningAndReady is the default policy: every pod starts now and is ready.
func RunningAndReady(*corev1.Pod) PodPlan {
	return PodPlan{Phase: corev1.PodRunning, Ready: true}
}

// PodStatusDriver replaces the kubelet and scheduler. It watches every
// pod, gives each new one the status its namespace's policy picks (once),
// and removes deleted pods at once, as a kubelet does after their containers
// stop. Apply changes a pod's status at any time.
type PodStatusDriver struct {
	client kubernetes.Interface
	lister corelisters.PodLister
	queue  chan types.NamespacedName

	mu       sync.Mutex
	policies map[string]PodPolicy
	handled  map[types.UID]bool
	nextIP   int
}

func newPodStatusDriver(client kubernetes.Interface) *PodStatusDriver {
	return &PodStatusDriver{
		client:   client,
		queue:    make(chan types.NamespacedName, 1024),
		policies: map[string]PodPolicy{},
		handled:  map[types.UID]bool{},
		nextIP:   2,
	}
}

// SetPolicy sets the policy for new pods in namespace. A nil policy
// restores RunningAndReady.
func (d *PodStatusDriver) SetPolicy(namespace string, policy PodPolicy) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if policy == nil {
		delete(d.policies, namespace)
		return
	}
	d.policies[namespace] = policy
}

func (d *PodStatusDriver) policy(namespace string) PodPolicy {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p, ok := d.policies[namespace]; ok {
		return p
	}
	return RunningAndReady
}

func (d *PodStatusDriver) start(ctx context.Context) error {
	factory := informers.NewSharedInformerFactory(d.client, 0)
	informer := factory.Core().V1().Pods()
	d.lister = informer.Lister()
	_, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    d.enqueue,
		UpdateFunc: func(_, obj any) { d.enqueue(obj) },
		DeleteFunc: d.forget,
	})
	if err != nil {
		return fmt.Errorf("watch pods for the status driver: %w", err)
	}
	factory.Start(ctx.Done())
	for typ, synced := range factory.WaitForCacheSync(ctx.Done()) {
		if !synced {
			return fmt.Errorf("pod status driver: cache for %v did not sync", typ)
		}
	}
	go d.run(ctx)
	return nil
}

func (d *PodStatusDriver) enqueue(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	key := types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}
	if pod.DeletionTimestamp != nil {
		d.queue <- key
		return
	}
	if pod.Status.StartTime != nil {
		return
	}
	d.mu.Lock()
	handled := d.handled[pod.UID]
	d.mu.Unlock()
	if !handled {
		d.queue <- key
	}
}

func (d *PodStatusDriver) forget(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		d.mu.Lock()
		delete(d.handled, pod.UID)
		d.mu.Unlock()
	}
}

func (d *PodStatusDriver) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case key := <-d.queue:
			if err := d.sync(ctx, key); err != nil && ctx.Err() == nil && !apierrors.IsNotFound(err) {
				klog.ErrorS(err, "Pod status driver failed", "pod", key)
			}
		}
	}
}

func (d *PodStatusDriver) sync(ctx context.Context, key types.NamespacedName) error {
	pod, err := d.lister.Pods(key.Namespace).Get(key.Name)
	if err != nil {
		return err
	}

	// A kubelet stops the containers of a deleted pod and then removes it.
	// Without one the pod would stay Terminating forever, and so would its
	// namespace.
	if pod.DeletionTimestamp != nil {
		err := d.client.CoreV1().Pods(key.Namespace).Delete(ctx, key.Name, metav1.DeleteOptions{
			GracePeriodSeconds: ptrTo(int64(0)),
			Preconditions:      metav1.NewUIDPreconditions(string(pod.UID)),
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("remove terminating pod: %w", err)
		}
		return nil
	}

	if pod.Status.StartTime != nil {
		return nil
	}
	d.mu.Lock()
	handled := d.handled[pod.UID]
	d.mu.Unlock()
	if handled {
		return nil
	}
	plan := d.policy(pod.Namespace)(pod.DeepCopy())
	return d.apply(ctx, pod.Namespace, pod.Name, plan)
}

// Apply sets a pod's status to plan now, whatever the policy gave it.
func (d *PodStatusDriver) Apply(ctx context.Context, namespace, name string, plan PodPlan) error {
	return d.apply(ctx, namespace, name, plan)
}

func (d *PodStatusDriver) apply(ctx context.Context, namespace, name string, plan PodPlan) error {
	pods := d.client.CoreV1().Pods(namespace)
	pod, err := pods.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if pod.Spec.NodeName == "" {
		binding := &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: FixtureNodeName},
		}
		if err := pods.Bind(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsConflict(err) {
			return fmt.Errorf("bind pod %s/%s to %s: %w", namespace, name, FixtureNodeName, err)
		}
	}

	d.mu.Lock()
	d.handled[pod.UID] = true
	ip := d.podIP(pod)
	d.mu.Unlock()

	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		current.Status = podStatus(current, plan, ip, time.Now())
		_, err = pods.UpdateStatus(ctx, current, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		// Let the pod's next update event try again.
		d.mu.Lock()
		delete(d.handled, pod.UID)
		d.mu.Unlock()
		return fmt.Errorf("set status of pod %s/%s: %w", namespace, name, err)
	}
	return nil
}

// podIP returns the pod's address, assigning the next free one in
// 10.244.0.0/16 to a pod that has none. The caller holds d.mu.
func (d *PodStatusDriver) podIP(pod *corev1.Pod) string {
	if pod.Status.PodIP != "" {
		return pod.Status.PodIP
	}
	ip := fmt.Sprintf("10.244.%d.%d", (d.nextIP/250)%250, d.nextIP%250+1)
	d.nextIP++
	return ip
}

// podStatus builds the status a kubelet would report for plan.
func podStatus(pod *corev1.Pod, plan PodPlan, ip string, now time.Time) corev1.PodStatus {
	phase := plan.Phase
	if phase == "" {
		phase = corev1.PodRunning
	}
	ready := plan.Ready && phase == corev1.PodRunning
	started := metav1.NewTime(now.Add(-plan.StartedAgo).Truncate(time.Second))
	readyChanged := started
	if ready {
		readyChanged = metav1.NewTime(started.Add(plan.ReadyAfter))
	}

	status := corev1.PodStatus{
		Phase:     phase,
		StartTime: &started,
		HostIP:    "10.0.1.1",
		PodIP:     ip,
		PodIPs:    []corev1.PodIP{{IP: ip}},
		QOSClass:  pod.Status.QOSClass,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.ContainersReady, Status: conditionStatus(ready), LastTransitionTime: readyChanged},
			{Type: corev1.PodReady, Status: conditionStatus(ready), LastTransitionTime: readyChanged},
		},
	}
	if !ready {
		status.Conditions[2].Reason = "ContainersNotReady"
		status.Conditions[3].Reason = "ContainersNotReady"
	}

	for _, container := range pod.Spec.Containers {
		cs := corev1.ContainerStatus{
			Name:    container.Name,
			Image:   container.Image,
			ImageID: container.Image,
			Ready:   ready,
		}
		switch phase {
		case corev1.PodPending:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		case corev1.PodFailed:
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: started, FinishedAt: metav1.NewTime(now)}
		case corev1.PodSucceeded:
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: started, FinishedAt: metav1.NewTime(now)}
		default:
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
			cs.Started = ptrTo(true)
			cs.ContainerID = fmt.Sprintf("containerd://%s-%s", pod.UID, container.Name)
		}
		status.ContainerStatuses = append(status.ContainerStatuses, cs)
	}
	return status
}

func conditionStatus(ok bool) corev1.ConditionStatus {
	if ok {
		return corev1.ConditionTrue
	}
	return corev1.ConditionFalse
}
