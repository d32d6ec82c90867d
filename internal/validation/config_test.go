package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestValidateConfigMap(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.ConfigMap)
		want   []want
	}{
		{name: "valid config map", mutate: func(*corev1.ConfigMap) {}},
		{name: "empty config map", mutate: func(c *corev1.ConfigMap) { c.Data, c.BinaryData = nil, nil }},
		{name: "invalid keys", mutate: func(c *corev1.ConfigMap) {
			c.Data["a/b"] = "x"
			c.BinaryData["."] = []byte("x")
		}, want: []want{errInvalid("data[a/b]"), errInvalid("binaryData[.]")}},
		{name: "key in both maps", mutate: func(c *corev1.ConfigMap) { c.BinaryData["app.yaml"] = []byte("x") },
			want: []want{errInvalid("data[app.yaml]")}},
		{name: "too large", mutate: func(c *corev1.ConfigMap) { c.Data["big"] = strings.Repeat("x", maxConfigDataBytes) },
			want: []want{errTooLong("data")}},
		{name: "bad name", mutate: func(c *corev1.ConfigMap) { c.Name = "Config" },
			want: []want{errInvalid("metadata.name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cm := &corev1.ConfigMap{ObjectMeta: meta("web-config"),
				Data:       map[string]string{"app.yaml": "a: 1", "LOG_LEVEL": "info"},
				BinaryData: map[string][]byte{"logo.png": {0x89, 0x50}}}
			tc.mutate(cm)
			expectErrors(t, ValidateConfigMap(cm), tc.want...)
		})
	}
}

func TestValidateConfigMapUpdate(t *testing.T) {
	cases := []struct {
		name      string
		immutable bool
		mutate    func(*corev1.ConfigMap)
		want      []want
	}{
		{name: "mutable data may change", mutate: func(c *corev1.ConfigMap) { c.Data["k"] = "new" }},
		{name: "making it immutable", mutate: func(c *corev1.ConfigMap) { c.Immutable = ptr(true) }},
		{name: "immutable data may not change", immutable: true, mutate: func(c *corev1.ConfigMap) { c.Data["k"] = "new" },
			want: []want{errForbidden("data")}},
		{name: "immutable flag may not be cleared", immutable: true, mutate: func(c *corev1.ConfigMap) { c.Immutable = nil },
			want: []want{errForbidden("immutable")}},
		{name: "immutable object's labels may change", immutable: true, mutate: func(c *corev1.ConfigMap) { c.Labels = map[string]string{"a": "b"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mk := func() *corev1.ConfigMap {
				cm := &corev1.ConfigMap{ObjectMeta: meta("cfg"), Data: map[string]string{"k": "v"}}
				if tc.immutable {
					cm.Immutable = ptr(true)
				}
				return cm
			}
			old, cm := mk(), mk()
			cm.ObjectMeta = withRV(cm.ObjectMeta)
			tc.mutate(cm)
			expectErrors(t, ValidateConfigMapUpdate(cm, old), tc.want...)
		})
	}
}

func TestValidateSecret(t *testing.T) {
	cases := []struct {
		name   string
		secret corev1.Secret
		want   []want
	}{
		{name: "opaque secret", secret: corev1.Secret{Data: map[string][]byte{"password": []byte("s3cret")}, StringData: map[string]string{"user": "admin"}}},
		{name: "TLS secret", secret: corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": []byte("c"), "tls.key": []byte("k")}}},
		{name: "TLS secret keys may come from stringData", secret: corev1.Secret{Type: corev1.SecretTypeTLS, StringData: map[string]string{"tls.crt": "c", "tls.key": "k"}}},
		{name: "TLS secret without key", secret: corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": []byte("c")}},
			want: []want{errRequired("data[tls.key]")}},
		{name: "docker config json", secret: corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{".dockerconfigjson": []byte(`{"auths":{}}`)}}},
		{name: "docker config json missing", secret: corev1.Secret{Type: corev1.SecretTypeDockerConfigJson},
			want: []want{errRequired("data[.dockerconfigjson]")}},
		{name: "docker config json malformed", secret: corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{".dockerconfigjson": []byte("{")}},
			want: []want{errInvalid("data[.dockerconfigjson]")}},
		{name: "legacy dockercfg missing", secret: corev1.Secret{Type: corev1.SecretTypeDockercfg},
			want: []want{errRequired("data[.dockercfg]")}},
		{name: "basic auth with only a username", secret: corev1.Secret{Type: corev1.SecretTypeBasicAuth, Data: map[string][]byte{"username": []byte("u")}}},
		{name: "basic auth without credentials", secret: corev1.Secret{Type: corev1.SecretTypeBasicAuth},
			want: []want{errRequired("data[username]"), errRequired("data[password]")}},
		{name: "ssh auth without key", secret: corev1.Secret{Type: corev1.SecretTypeSSHAuth, Data: map[string][]byte{"ssh-privatekey": {}}},
			want: []want{errRequired("data[ssh-privatekey]")}},
		{name: "service account token without account", secret: corev1.Secret{Type: corev1.SecretTypeServiceAccountToken},
			want: []want{errRequired("metadata.annotations[kubernetes.io/service-account.name]")}},
		{name: "invalid keys", secret: corev1.Secret{Data: map[string][]byte{"bad key": nil}, StringData: map[string]string{"..": "x"}},
			want: []want{errInvalid("data[bad key]"), errInvalid("stringData[..]")}},
		{name: "too large", secret: corev1.Secret{Data: map[string][]byte{"a": make([]byte, maxConfigDataBytes), "b": {1}}},
			want: []want{errTooLong("data")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.secret
			s.ObjectMeta = meta("creds")
			expectErrors(t, ValidateSecret(&s), tc.want...)
		})
	}

	t.Run("service account token with account", func(t *testing.T) {
		s := &corev1.Secret{ObjectMeta: meta("token"), Type: corev1.SecretTypeServiceAccountToken}
		s.Annotations = map[string]string{corev1.ServiceAccountNameKey: "default"}
		expectErrors(t, ValidateSecret(s))
	})
}

func TestValidateSecretUpdate(t *testing.T) {
	cases := []struct {
		name      string
		immutable bool
		mutate    func(*corev1.Secret)
		want      []want
	}{
		{name: "data may change", mutate: func(s *corev1.Secret) { s.Data["password"] = []byte("new") }},
		{name: "type is immutable", mutate: func(s *corev1.Secret) { s.Type = corev1.SecretTypeBasicAuth },
			want: []want{errInvalid("type")}},
		{name: "immutable secret data", immutable: true, mutate: func(s *corev1.Secret) { s.StringData = map[string]string{"password": "new"} },
			want: []want{errForbidden("data")}},
		{name: "immutable flag cleared", immutable: true, mutate: func(s *corev1.Secret) { s.Immutable = ptr(false) },
			want: []want{errForbidden("immutable")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mk := func() *corev1.Secret {
				s := &corev1.Secret{ObjectMeta: meta("creds"), Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("old")}}
				if tc.immutable {
					s.Immutable = ptr(true)
				}
				return s
			}
			old, s := mk(), mk()
			s.ObjectMeta = withRV(s.ObjectMeta)
			tc.mutate(s)
			expectErrors(t, ValidateSecretUpdate(s, old), tc.want...)
		})
	}
}

func TestValidateServiceAccount(t *testing.T) {
	cases := []struct {
		name string
		sa   corev1.ServiceAccount
		want []want
	}{
		{name: "valid", sa: corev1.ServiceAccount{ObjectMeta: meta("builder"), ImagePullSecrets: []corev1.LocalObjectReference{{Name: "registry"}}}},
		{name: "subdomain names are allowed", sa: corev1.ServiceAccount{ObjectMeta: meta("ci.builder")}},
		{name: "bad name", sa: corev1.ServiceAccount{ObjectMeta: meta("Builder")}, want: []want{errInvalid("metadata.name")}},
		{name: "cluster scoped by mistake", sa: corev1.ServiceAccount{ObjectMeta: clusterMeta("builder")}, want: []want{errRequired("metadata.namespace")}},
		{name: "empty pull secret name", sa: corev1.ServiceAccount{ObjectMeta: meta("builder"), ImagePullSecrets: []corev1.LocalObjectReference{{}}},
			want: []want{errRequired("imagePullSecrets[0].name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateServiceAccount(&tc.sa), tc.want...)
		})
	}
}

func TestValidateServiceAccountUpdate(t *testing.T) {
	old := &corev1.ServiceAccount{ObjectMeta: meta("builder")}
	sa := &corev1.ServiceAccount{ObjectMeta: withRV(meta("builder")), AutomountServiceAccountToken: ptr(false)}
	expectErrors(t, ValidateServiceAccountUpdate(sa, old))

	sa.UID = "changed"
	expectErrors(t, ValidateServiceAccountUpdate(sa, old), errInvalid("metadata.uid"))
}
