// Package priority is the Priority admission plugin, as in Kubernetes:
// when a pod is created it resolves spec.priorityClassName into
// spec.priority and spec.preemptionPolicy (the globalDefault class, or 0,
// when the pod names none), and refuses a pod that names a class that does
// not exist or sets a priority of its own that disagrees. It also keeps
// PriorityClasses honest: at most one may be the global default.
//
// The two system classes, system-cluster-critical and
// system-node-critical, always exist (bootstrap creates them).
package priority

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	schedulinglisters "k8s.io/client-go/listers/scheduling/v1"
)

// PluginName names the plugin in admission errors.
const PluginName = "Priority"

// System classes and their values, as in Kubernetes.
const (
	SystemClusterCritical      = "system-cluster-critical"
	SystemNodeCritical         = "system-node-critical"
	SystemCriticalPriority     = 2000000000
	SystemNodeCriticalPriority = SystemCriticalPriority + 1000
)

// SystemClasses are the classes that always exist.
func SystemClasses() []*schedulingv1.PriorityClass {
	lower := corev1.PreemptLowerPriority
	mk := func(name string, value int32, desc string) *schedulingv1.PriorityClass {
		pc := &schedulingv1.PriorityClass{Value: value, Description: desc, PreemptionPolicy: &lower}
		pc.Name = name
		return pc
	}
	return []*schedulingv1.PriorityClass{
		mk(SystemNodeCritical, SystemNodeCriticalPriority, "Used for system critical pods that must not be moved from their current node."),
		mk(SystemClusterCritical, SystemCriticalPriority, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
	}
}

// Plugin is the admission plugin.
type Plugin struct {
	*admission.Handler
	classes schedulinglisters.PriorityClassLister
	synced  func() bool
}

var (
	_ admission.MutationInterface   = (*Plugin)(nil)
	_ admission.ValidationInterface = (*Plugin)(nil)
)

// New returns the plugin, reading PriorityClasses from factory's informer.
func New(factory informers.SharedInformerFactory) *Plugin {
	inf := factory.Scheduling().V1().PriorityClasses()
	return &Plugin{
		Handler: admission.NewHandler(admission.Create, admission.Update),
		classes: inf.Lister(),
		synced:  inf.Informer().HasSynced,
	}
}

var (
	podResource           = corev1.Resource("pods")
	priorityClassResource = schedulingv1.Resource("priorityclasses")
)

// Admit resolves a new pod's priority.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != podResource || a.GetSubresource() != "" || a.GetOperation() != admission.Create {
		return nil
	}
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok {
		return apierrors.NewBadRequest("resource was marked with kind Pod but was unable to be converted")
	}
	if !p.synced() {
		return admission.NewForbidden(a, fmt.Errorf("not yet ready to handle request: PriorityClasses are still loading"))
	}
	name, value, policy, err := p.resolve(pod.Spec.PriorityClassName)
	if err != nil {
		return admission.NewForbidden(a, err)
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != value {
		return admission.NewForbidden(a, fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *pod.Spec.Priority, value))
	}
	pod.Spec.PriorityClassName = name
	pod.Spec.Priority = &value
	if policy != nil {
		if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy != *policy {
			return admission.NewForbidden(a, fmt.Errorf("the string value of PreemptionPolicy (%s) must not be provided in pod spec; priority admission controller computed %s from the given PriorityClass name", *pod.Spec.PreemptionPolicy, *policy))
		}
		pod.Spec.PreemptionPolicy = policy
	}
	return nil
}

// resolve returns the class a pod gets, its value and preemption policy.
func (p *Plugin) resolve(className string) (string, int32, *corev1.PreemptionPolicy, error) {
	if className == "" {
		def, err := p.globalDefault()
		if err != nil || def == nil {
			return "", 0, nil, err
		}
		return def.Name, def.Value, policyOf(def), nil
	}
	pc, err := p.classes.Get(className)
	if apierrors.IsNotFound(err) {
		return "", 0, nil, fmt.Errorf("no PriorityClass with name %s was found", className)
	}
	if err != nil {
		return "", 0, nil, fmt.Errorf("PriorityClass %s: %w", className, err)
	}
	return pc.Name, pc.Value, policyOf(pc), nil
}

func policyOf(pc *schedulingv1.PriorityClass) *corev1.PreemptionPolicy {
	policy := corev1.PreemptLowerPriority
	if pc.PreemptionPolicy != nil {
		policy = *pc.PreemptionPolicy
	}
	return &policy
}

// globalDefault is the globalDefault class with the lowest value (there
// should be one at most), or nil.
func (p *Plugin) globalDefault() (*schedulingv1.PriorityClass, error) {
	all, err := p.classes.List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing PriorityClasses: %w", err)
	}
	var def *schedulingv1.PriorityClass
	for _, pc := range all {
		if pc.GlobalDefault && (def == nil || pc.Value < def.Value) {
			def = pc
		}
	}
	return def, nil
}

// Validate refuses a second global default PriorityClass.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != priorityClassResource || a.GetSubresource() != "" {
		return nil
	}
	pc, ok := a.GetObject().(*schedulingv1.PriorityClass)
	if !ok || !pc.GlobalDefault {
		return nil
	}
	def, err := p.globalDefault()
	if err != nil {
		return admission.NewForbidden(a, err)
	}
	if def != nil && def.Name != pc.Name {
		return admission.NewForbidden(a, fmt.Errorf("PriorityClass %v is already marked as default. Only one default can exist", def.Name))
	}
	return nil
}
