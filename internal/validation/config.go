package validation

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateConfigKey checks a ConfigMap or Secret key, which becomes a file
// name when the object is mounted as a volume.
func validateConfigKey(key string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(key) {
		allErrs = append(allErrs, field.Invalid(fldPath, key, msg))
	}
	return allErrs
}

// ValidateConfigMap validates a ConfigMap on create.
func ValidateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	allErrs := validateObjectMeta(&cm.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	dataPath := field.NewPath("data")
	binPath := field.NewPath("binaryData")
	total := 0
	for _, key := range sortedKeys(cm.Data) {
		allErrs = append(allErrs, validateConfigKey(key, dataPath.Key(key))...)
		// Both maps end up as files in the same directory.
		if _, dup := cm.BinaryData[key]; dup {
			allErrs = append(allErrs, field.Invalid(dataPath.Key(key), key, "duplicate of key present in binaryData"))
		}
		total += len(cm.Data[key])
	}
	for _, key := range sortedKeys(cm.BinaryData) {
		allErrs = append(allErrs, validateConfigKey(key, binPath.Key(key))...)
		total += len(cm.BinaryData[key])
	}
	if total > maxConfigDataBytes {
		allErrs = append(allErrs, field.TooLong(dataPath, "", maxConfigDataBytes))
	}
	return allErrs
}

// ValidateConfigMapUpdate validates an update of a ConfigMap. Once marked
// immutable, a ConfigMap's data can never change (so kubelets may stop
// watching it), and the mark cannot be removed.
func ValidateConfigMapUpdate(cm, old *corev1.ConfigMap) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&cm.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	if old.Immutable != nil && *old.Immutable {
		allErrs = append(allErrs, validateImmutableData(cm.Immutable, old.Immutable)...)
		if !apiequality.Semantic.DeepEqual(cm.Data, old.Data) {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
		}
		if !apiequality.Semantic.DeepEqual(cm.BinaryData, old.BinaryData) {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("binaryData"), "field is immutable when `immutable` is set"))
		}
	}
	return append(allErrs, ValidateConfigMap(cm)...)
}

func validateImmutableData(newImm, oldImm *bool) field.ErrorList {
	if newImm == nil || !*newImm {
		return field.ErrorList{field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set")}
	}
	return nil
}

// secretData returns the secret's effective data: stringData is a write-only
// convenience that the API merges over data, so the rules apply to both.
func secretData(s *corev1.Secret) map[string][]byte {
	if len(s.StringData) == 0 {
		return s.Data
	}
	merged := make(map[string][]byte, len(s.Data)+len(s.StringData))
	for k, v := range s.Data {
		merged[k] = v
	}
	for k, v := range s.StringData {
		merged[k] = []byte(v)
	}
	return merged
}

// ValidateSecret validates a Secret on create, including the keys its type
// promises to consumers (a kubernetes.io/tls secret must hold tls.crt and
// tls.key, and so on).
func ValidateSecret(secret *corev1.Secret) field.ErrorList {
	allErrs := validateObjectMeta(&secret.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	dataPath := field.NewPath("data")
	for _, key := range sortedKeys(secret.Data) {
		allErrs = append(allErrs, validateConfigKey(key, dataPath.Key(key))...)
	}
	for _, key := range sortedKeys(secret.StringData) {
		allErrs = append(allErrs, validateConfigKey(key, field.NewPath("stringData").Key(key))...)
	}
	data := secretData(secret)
	total := 0
	for _, v := range data {
		total += len(v)
	}
	if total > maxConfigDataBytes {
		allErrs = append(allErrs, field.TooLong(dataPath, "", maxConfigDataBytes))
	}

	switch secret.Type {
	case corev1.SecretTypeServiceAccountToken:
		// The token controller fills in the token; the annotation says for
		// which service account.
		if secret.Annotations[corev1.ServiceAccountNameKey] == "" {
			allErrs = append(allErrs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		allErrs = append(allErrs, validateJSONKey(data, corev1.DockerConfigKey, dataPath)...)
	case corev1.SecretTypeDockerConfigJson:
		allErrs = append(allErrs, validateJSONKey(data, corev1.DockerConfigJsonKey, dataPath)...)
	case corev1.SecretTypeBasicAuth:
		// Either may be empty, but at least one must be present.
		_, hasUser := data[corev1.BasicAuthUsernameKey]
		_, hasPass := data[corev1.BasicAuthPasswordKey]
		if !hasUser && !hasPass {
			allErrs = append(allErrs,
				field.Required(dataPath.Key(corev1.BasicAuthUsernameKey), ""),
				field.Required(dataPath.Key(corev1.BasicAuthPasswordKey), ""))
		}
	case corev1.SecretTypeSSHAuth:
		if len(data[corev1.SSHAuthPrivateKey]) == 0 {
			allErrs = append(allErrs, field.Required(dataPath.Key(corev1.SSHAuthPrivateKey), ""))
		}
	case corev1.SecretTypeTLS:
		if _, ok := data[corev1.TLSCertKey]; !ok {
			allErrs = append(allErrs, field.Required(dataPath.Key(corev1.TLSCertKey), ""))
		}
		if _, ok := data[corev1.TLSPrivateKeyKey]; !ok {
			allErrs = append(allErrs, field.Required(dataPath.Key(corev1.TLSPrivateKeyKey), ""))
		}
	default:
		// Opaque and custom types carry arbitrary keys. Custom type names
		// must still be sane enough to use as a field selector value.
		if secret.Type != "" && len(secret.Type) > 253 {
			allErrs = append(allErrs, field.TooLong(field.NewPath("type"), secret.Type, 253))
		}
	}
	return allErrs
}

// validateJSONKey requires key to exist and hold a JSON object (the docker
// credential formats). The content is never echoed back: it is a secret.
func validateJSONKey(data map[string][]byte, key string, dataPath *field.Path) field.ErrorList {
	raw, ok := data[key]
	if !ok {
		return field.ErrorList{field.Required(dataPath.Key(key), "")}
	}
	if err := json.Unmarshal(raw, &map[string]any{}); err != nil {
		return field.ErrorList{field.Invalid(dataPath.Key(key), "<secret contents redacted>", err.Error())}
	}
	return nil
}

// ValidateSecretUpdate validates an update of a Secret. The type is fixed
// (consumers rely on the keys it promises) and immutable secrets keep their
// data.
func ValidateSecretUpdate(secret, old *corev1.Secret) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&secret.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, immutable(secret.Type, old.Type, field.NewPath("type"))...)
	if old.Immutable != nil && *old.Immutable {
		allErrs = append(allErrs, validateImmutableData(secret.Immutable, old.Immutable)...)
		if !apiequality.Semantic.DeepEqual(secretData(secret), secretData(old)) {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
		}
	}
	return append(allErrs, ValidateSecret(secret)...)
}

// ValidateServiceAccount validates a ServiceAccount on create.
func ValidateServiceAccount(sa *corev1.ServiceAccount) field.ErrorList {
	allErrs := validateObjectMeta(&sa.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	for i, ref := range sa.ImagePullSecrets {
		if ref.Name == "" {
			allErrs = append(allErrs, field.Required(field.NewPath("imagePullSecrets").Index(i).Child("name"), ""))
		}
	}
	return allErrs
}

// ValidateServiceAccountUpdate validates an update of a ServiceAccount.
func ValidateServiceAccountUpdate(sa, old *corev1.ServiceAccount) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&sa.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateServiceAccount(sa)...)
}
