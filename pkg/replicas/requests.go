package replicas

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// podRequests returns each pod's request for resource in milli-units, the
// denominator of a Utilization target. Like the controller it fails on the
// first pod that lacks a request, whatever group that pod falls into.
func podRequests(pods []*corev1.Pod, container string, name corev1.ResourceName, podLevelResources bool) (map[string]int64, error) {
	requests := make(map[string]int64, len(pods))
	for _, pod := range pods {
		var request int64
		var err error

		// A container named in a ContainerResource metric takes precedence
		// over pod-level requests.
		if podLevelResources && container == "" && podLevelRequestsSet(pod) {
			request, err = podLevelRequest(pod, name)
		} else {
			request, err = containerRequests(pod, container, name)
		}
		if err != nil {
			return nil, err
		}
		requests[pod.Name] = request
	}
	return requests, nil
}

// containerRequests sums the requests of the regular containers and the
// restartable init containers (sidecars), or returns the one named
// container's request.
func containerRequests(pod *corev1.Pod, container string, name corev1.ResourceName) (int64, error) {
	containers := append([]corev1.Container{}, pod.Spec.Containers...)
	for _, c := range pod.Spec.InitContainers {
		if isRestartable(c) {
			containers = append(containers, c)
		}
	}

	total := int64(0)
	for _, c := range containers {
		if container == "" || container == c.Name {
			request, ok := c.Resources.Requests[name]
			if !ok {
				return 0, fmt.Errorf("missing request for %s in container %s of Pod %s", name, c.Name, pod.Name)
			}
			total += request.MilliValue()
		}
		// Container names are unique in a pod, so the first match is the
		// only one.
		if container == c.Name {
			return total, nil
		}
	}

	if container != "" {
		return 0, fmt.Errorf("container %s not found in Pod %s", container, pod.Name)
	}
	return total, nil
}

func isRestartable(c corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// podLevelSupported reports whether spec.resources may set the resource at
// pod level (cpu, memory and hugepages in v1.37).
func podLevelSupported(name corev1.ResourceName) bool {
	return name == corev1.ResourceCPU || name == corev1.ResourceMemory ||
		strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

func podLevelRequestsSet(pod *corev1.Pod) bool {
	if pod.Spec.Resources == nil {
		return false
	}
	for name := range pod.Spec.Resources.Requests {
		if podLevelSupported(name) {
			return true
		}
	}
	return false
}

// podLevelRequest computes the pod's effective request the way the
// scheduler's pod-requests helper does with default options: the
// container aggregate (sidecars added, init containers as a floor), each
// supported pod-level request replacing the aggregate, and the pod overhead
// added. Quantities are added before the conversion to milli-units, as
// upstream does.
func podLevelRequest(pod *corev1.Pod, name corev1.ResourceName) (int64, error) {
	requests := aggregateContainerRequests(pod)
	for n, q := range pod.Spec.Resources.Requests {
		if podLevelSupported(n) {
			requests[n] = q.DeepCopy()
		}
	}
	addResources(requests, pod.Spec.Overhead)

	request, ok := requests[name]
	if !ok {
		return 0, fmt.Errorf("missing pod-level request for %s in Pod %s", name, pod.Name)
	}
	return request.MilliValue(), nil
}

// aggregateContainerRequests follows the sidecar rules for pod requests:
// regular containers and restartable init containers add up, and each
// regular init container, together with the sidecars started before it,
// sets a floor.
func aggregateContainerRequests(pod *corev1.Pod) corev1.ResourceList {
	result := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		addResources(result, c.Resources.Requests)
	}

	sidecars := corev1.ResourceList{}
	initFloor := corev1.ResourceList{}
	for _, c := range pod.Spec.InitContainers {
		var running corev1.ResourceList
		if isRestartable(c) {
			addResources(result, c.Resources.Requests)
			addResources(sidecars, c.Resources.Requests)
			running = sidecars
		} else {
			running = corev1.ResourceList{}
			addResources(running, c.Resources.Requests)
			addResources(running, sidecars)
		}
		maxResources(initFloor, running)
	}
	maxResources(result, initFloor)
	return result
}

func addResources(list, add corev1.ResourceList) {
	for name, q := range add {
		if current, ok := list[name]; ok {
			current.Add(q)
			list[name] = current
		} else {
			list[name] = q.DeepCopy()
		}
	}
}

func maxResources(list, other corev1.ResourceList) {
	for name, q := range other {
		if current, ok := list[name]; !ok || q.Cmp(current) > 0 {
			list[name] = q.DeepCopy()
		}
	}
}

// quantityFormat returns the format the controller uses for a resource's
// average value in the HPA status: binary suffixes for memory, decimal
// otherwise.
func quantityFormat(name corev1.ResourceName) resource.Format {
	if name == corev1.ResourceMemory {
		return resource.BinarySI
	}
	return resource.DecimalSI
}
