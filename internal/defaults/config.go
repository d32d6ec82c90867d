package defaults

import corev1 "k8s.io/api/core/v1"

// SetSecretDefaults applies the defaults of a Secret: an untyped secret is
// Opaque, arbitrary user data.
func SetSecretDefaults(s *corev1.Secret) {
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
}

// SetConfigMapDefaults applies the defaults of a ConfigMap: a non-nil data
// map, so that code reading the stored object can add keys without a nil
// check. The empty map is omitted when the object is serialized.
func SetConfigMapDefaults(cm *corev1.ConfigMap) {
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
}
