package defaults

import corev1 "k8s.io/api/core/v1"

// SetNamespaceDefaults applies the defaults of a Namespace: the Active
// phase and the kubernetes.io/metadata.name label.
//
// The label is always set to the namespace's name, replacing any other
// value, because network policies and admission webhooks select namespaces
// by it and must be able to trust it. A namespace created with generateName
// has no name yet and gets the label once it has one. spec.finalizers is set
// by the namespace strategy on create, not here.
func SetNamespaceDefaults(ns *corev1.Namespace) {
	if ns.Name != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[corev1.LabelMetadataName] = ns.Name
	}
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
}
