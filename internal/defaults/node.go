package defaults

import corev1 "k8s.io/api/core/v1"

// SetNodeDefaults applies the defaults of a Node: a node that reports its
// capacity but not its allocatable resources offers all of its capacity.
func SetNodeDefaults(node *corev1.Node) {
	st := &node.Status
	if st.Allocatable == nil && st.Capacity != nil {
		st.Allocatable = make(corev1.ResourceList, len(st.Capacity))
		for name, q := range st.Capacity {
			st.Allocatable[name] = q.DeepCopy()
		}
	}
	roundResourceList(st.Capacity)
	roundResourceList(st.Allocatable)
}
