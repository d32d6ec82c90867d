package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// rawResponse is what a raw request got back.
type rawResponse struct {
	code   int
	header http.Header
	body   []byte
}

// do sends one raw request to the server.
func do(t *testing.T, client *http.Client, host, method, path, contentType string, body []byte) rawResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, host+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return rawResponse{code: resp.StatusCode, header: resp.Header, body: b}
}

// checkStatus checks that a response is a metav1.Status with the given
// code, reason and a message containing msg.
func checkStatus(t *testing.T, what string, r rawResponse, code int, reason metav1.StatusReason, msg string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s: HTTP %d, want %d; body: %s", what, r.code, code, clip(r.body))
	}
	var st metav1.Status
	if err := json.Unmarshal(r.body, &st); err != nil || st.Kind != "Status" {
		t.Errorf("%s: HTTP %d with a body that is not a metav1.Status (kind %q, decode error %v), want a Status with code %d and reason %q; body: %s",
			what, r.code, st.Kind, err, code, reason, clip(r.body))
		return
	}
	if st.Status != metav1.StatusFailure || int(st.Code) != code || st.Reason != reason {
		t.Errorf("%s: status %s, code %d, reason %q; want Failure, %d, %q (message %q)", what, st.Status, st.Code, st.Reason, code, reason, st.Message)
	}
	if !strings.Contains(st.Message, msg) {
		t.Errorf("%s: message %q does not mention %q", what, st.Message, msg)
	}
}

// clip shortens a response body to one line for a failure message.
func clip(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func deploymentJSON(name, selector, label string, extra string) string {
	return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":%q},"spec":{%s"selector":{"matchLabels":{"app":%q}},`+
		`"template":{"metadata":{"labels":{"app":%q}},"spec":{"containers":[{"name":"app","image":"busybox:1.36"}]}}}}`, name, extra, selector, label)
}

// TestBadInput sends bad manifests and requests and checks each gets the
// status code, reason and message Kubernetes gives, as a metav1.Status,
// and that nothing was stored.
func TestBadInput(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()
	ns := createNamespace(t, s.Client, "e2e-bad")
	client, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatalf("http client: %v", err)
	}
	host := strings.TrimSuffix(s.Config.Host, "/")
	cms := "/api/v1/namespaces/" + ns + "/configmaps"
	deploys := "/apis/apps/v1/namespaces/" + ns + "/deployments"
	services := "/api/v1/namespaces/" + ns + "/services"
	const jsonCT, yamlCT = "application/json", "application/yaml"
	bigData := strings.Repeat("x", 4<<20)

	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantCode    int
		// wantReason and wantMessage describe the metav1.Status of a
		// failure; for a success wantMessage is in the Warning header.
		wantReason  metav1.StatusReason
		wantMessage string
		// object is the path of the object the request would create; it
		// must not exist afterwards unless stored is set.
		object string
		stored bool
	}{
		{
			name: "malformed JSON", method: "POST", path: cms, contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad-json"},"data":{"a":`,
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest, wantMessage: "unexpected end of JSON input",
			object: cms + "/bad-json",
		},
		{
			name: "JSON syntax error", method: "POST", path: cms, contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad-syntax"},"data":{"a" 1}}`,
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest, wantMessage: "invalid character '1' after object key",
			object: cms + "/bad-syntax",
		},
		{
			name: "malformed YAML", method: "POST", path: cms, contentType: yamlCT,
			body:     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad-yaml\ndata:\n  a: [unclosed\n",
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest, wantMessage: "yaml: line 6",
			object: cms + "/bad-yaml",
		},
		{
			name: "body over 3 MiB", method: "POST", path: cms, contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"too-big"},"data":{"a":"` + bigData + `"}}`,
			wantCode: 413, wantReason: metav1.StatusReasonRequestEntityTooLarge, wantMessage: "Request entity too large: limit is 3145728",
			object: cms + "/too-big",
		},
		{
			// Kubernetes: 400 `Foo in version "v1" cannot be handled as a
			// ConfigMap: no kind "Foo" is registered for version "v1" ...`.
			name: "unknown kind in the body", method: "POST", path: cms, contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"Foo","metadata":{"name":"unknown-kind"}}`,
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest, wantMessage: `no kind "Foo" is registered for version "v1"`,
			object: cms + "/unknown-kind",
		},
		{
			name: "kind of another resource in the body", method: "POST", path: cms, contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"other-kind"}}`,
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest, wantMessage: `Secret in version "v1" cannot be handled as a ConfigMap`,
			object: cms + "/other-kind",
		},
		{
			name: "unknown group in the URL", method: "POST", path: "/apis/foo.example.com/v1/namespaces/" + ns + "/foos", contentType: jsonCT,
			body:     `{"apiVersion":"foo.example.com/v1","kind":"Foo","metadata":{"name":"foo"}}`,
			wantCode: 404, wantReason: metav1.StatusReasonNotFound, wantMessage: "the server could not find the requested resource",
		},
		{
			name: "unknown version of a known group in the URL", method: "POST", path: "/apis/apps/v42/namespaces/" + ns + "/deployments", contentType: jsonCT,
			body:     deploymentJSON("unknown-version", "web", "web", ""),
			wantCode: 404, wantReason: metav1.StatusReasonNotFound, wantMessage: "the server could not find the requested resource",
			object: deploys + "/unknown-version",
		},
		{
			name: "unknown resource in the URL", method: "GET", path: "/api/v1/namespaces/" + ns + "/foos",
			wantCode: 404, wantReason: metav1.StatusReasonNotFound, wantMessage: "the server could not find the requested resource",
		},
		{
			name: "namespace in the body differs from the URL", method: "POST", path: cms, contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"wrong-ns","namespace":"kube-system"}}`,
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest,
			wantMessage: "the namespace of the provided object does not match the namespace sent on the request",
			object:      cms + "/wrong-ns",
		},
		{
			name: "name in the body differs from the URL", method: "PUT", path: cms + "/url-name", contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"body-name"}}`,
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest,
			wantMessage: "the name of the object (body-name) does not match the name on the URL (url-name)",
			object:      cms + "/url-name",
		},
		{
			name: "namespace that does not exist", method: "POST", path: "/api/v1/namespaces/e2e-nowhere/configmaps", contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nowhere"}}`,
			wantCode: 404, wantReason: metav1.StatusReasonNotFound, wantMessage: `namespaces "e2e-nowhere" not found`,
			object: "/api/v1/namespaces/e2e-nowhere/configmaps/nowhere",
		},
		{
			name: "invalid name", method: "POST", path: cms, contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}`,
			wantCode: 422, wantReason: metav1.StatusReasonInvalid, wantMessage: `metadata.name: Invalid value: "Bad_Name"`,
			object: cms + "/Bad_Name",
		},
		{
			name: "deployment selector does not match the template labels", method: "POST", path: deploys, contentType: jsonCT,
			body:     deploymentJSON("mismatch", "web", "api", ""),
			wantCode: 422, wantReason: metav1.StatusReasonInvalid, wantMessage: "spec.template.metadata.labels",
			object: deploys + "/mismatch",
		},
		{
			name: "negative replicas", method: "POST", path: deploys, contentType: jsonCT,
			body:     deploymentJSON("negative", "web", "web", `"replicas":-1,`),
			wantCode: 422, wantReason: metav1.StatusReasonInvalid, wantMessage: "spec.replicas: Invalid value: -1",
			object: deploys + "/negative",
		},
		{
			name: "service port out of range", method: "POST", path: services, contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad-port"},"spec":{"ports":[{"port":70000}]}}`,
			wantCode: 422, wantReason: metav1.StatusReasonInvalid, wantMessage: "spec.ports[0].port: Invalid value: 70000",
			object: services + "/bad-port",
		},
		{
			name: "unknown field with fieldValidation=Strict", method: "POST", path: deploys + "?fieldValidation=Strict", contentType: jsonCT,
			body:     deploymentJSON("strict", "web", "web", `"bogus":1,`),
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest, wantMessage: `strict decoding error: unknown field "spec.bogus"`,
			object: deploys + "/strict",
		},
		{
			name: "duplicate field with fieldValidation=Strict", method: "POST", path: cms + "?fieldValidation=Strict", contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"duplicate"},"data":{"a":"1","a":"2"}}`,
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest, wantMessage: `strict decoding error: duplicate field "data.a"`,
			object: cms + "/duplicate",
		},
		{
			name: "unsupported media type", method: "POST", path: cms, contentType: "text/plain",
			body:     "name: plain",
			wantCode: 415, wantReason: metav1.StatusReasonUnsupportedMediaType, wantMessage: "the body of the request was in an unknown format",
		},
		{
			name: "invalid label selector", method: "GET", path: cms + "?labelSelector=a%20in%20(",
			wantCode: 400, wantReason: metav1.StatusReasonBadRequest, wantMessage: "unable to parse requirement",
		},
		{
			name: "unknown field with fieldValidation=Warn", method: "POST", path: deploys + "?fieldValidation=Warn", contentType: jsonCT,
			body:     deploymentJSON("warned", "web", "web", `"bogus":1,`),
			wantCode: 201, wantMessage: `unknown field \"spec.bogus\"`,
			object: deploys + "/warned", stored: true,
		},
		{
			name: "dryRun=All create", method: "POST", path: cms + "?dryRun=All", contentType: jsonCT,
			body:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry-run"},"data":{"a":"b"}}`,
			wantCode: 201,
			object:   cms + "/dry-run",
		},
	}

	// What the namespace holds before, to check afterwards that the bad
	// requests added nothing.
	collections := []string{cms, deploys, services, "/api/v1/namespaces/" + ns + "/secrets"}
	before := map[string][]string{}
	for _, c := range collections {
		before[c] = listNames(t, client, host, c)
	}

	var stored []string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, client, host, tc.method, tc.path, tc.contentType, []byte(tc.body))
			what := tc.method + " " + tc.path
			if tc.wantCode >= 400 {
				checkStatus(t, what, r, tc.wantCode, tc.wantReason, tc.wantMessage)
			} else {
				if r.code != tc.wantCode {
					t.Errorf("%s: HTTP %d, want %d; body: %s", what, r.code, tc.wantCode, clip(r.body))
				}
				if warning := strings.Join(r.header.Values("Warning"), "\n"); !strings.Contains(warning, tc.wantMessage) {
					t.Errorf("%s: Warning header %q does not mention %q", what, warning, tc.wantMessage)
				}
			}
			if tc.object == "" {
				return
			}
			got := do(t, client, host, "GET", tc.object, "", nil)
			switch {
			case tc.stored && got.code != http.StatusOK:
				t.Errorf("GET %s afterwards: HTTP %d, want 200 (stored); body: %s", tc.object, got.code, clip(got.body))
			case !tc.stored && got.code != http.StatusNotFound:
				t.Errorf("GET %s afterwards: HTTP %d, want 404 (nothing stored); body: %s", tc.object, got.code, clip(got.body))
			}
			if tc.stored {
				stored = append(stored, tc.object)
				if bytes.Contains(got.body, []byte("bogus")) {
					t.Errorf("GET %s: the unknown field was stored: %s", tc.object, clip(got.body))
				}
			}
		})
	}

	// Nothing else appeared in the namespace.
	for _, c := range collections {
		for _, name := range listNames(t, client, host, c) {
			if slices.Contains(before[c], name) || slices.Contains(stored, c+"/"+name) {
				continue
			}
			t.Errorf("%s holds %s, which no accepted request created", c, name)
		}
	}
	if _, err := s.Client.CoreV1().ConfigMaps(ns).Get(ctx, "body-name", metav1.GetOptions{}); err == nil {
		t.Errorf("configmap body-name exists after the rejected PUT")
	}
}

// listNames lists a collection with a raw request.
func listNames(t *testing.T, client *http.Client, host, path string) []string {
	t.Helper()
	r := do(t, client, host, "GET", path, "", nil)
	if r.code != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d: %s", path, r.code, clip(r.body))
	}
	var list metav1.PartialObjectMetadataList
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	var names []string
	for _, item := range list.Items {
		names = append(names, item.Name)
	}
	return names
}

// TestBadInputCredentials checks that only health and version answer
// without credentials, and that bad credentials are refused, never taken
// as anonymous.
func TestBadInputCredentials(t *testing.T) {
	s := StartServer(t, "bolt")
	ns := createNamespace(t, s.Client, "e2e-auth")
	host := strings.TrimSuffix(s.Config.Host, "/")
	anonymous := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	badToken := &http.Client{Timeout: 30 * time.Second, Transport: &bearer{token: "not-a-valid-token", next: anonymous.Transport}}
	admin, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatalf("http client: %v", err)
	}
	cm := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"anonymous"}}`

	refused := []struct {
		name   string
		client *http.Client
		method string
		path   string
		body   string
	}{
		{"anonymous list", anonymous, "GET", "/api/v1/namespaces", ""},
		{"anonymous discovery", anonymous, "GET", "/apis", ""},
		{"anonymous create", anonymous, "POST", "/api/v1/namespaces/" + ns + "/configmaps", cm},
		{"bad token list", badToken, "GET", "/api/v1/namespaces", ""},
		{"bad token create", badToken, "POST", "/api/v1/namespaces/" + ns + "/configmaps", cm},
		{"bad token on a public path", badToken, "GET", "/version", ""},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, tc.client, host, tc.method, tc.path, "application/json", []byte(tc.body))
			checkStatus(t, tc.method+" "+tc.path, r, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized")
		})
	}
	if r := do(t, admin, host, "GET", "/api/v1/namespaces/"+ns+"/configmaps/anonymous", "", nil); r.code != http.StatusNotFound {
		t.Errorf("GET the configmap an unauthenticated request tried to create: HTTP %d, want 404", r.code)
	}

	for _, path := range []string{"/healthz", "/livez", "/readyz", "/version"} {
		t.Run("anonymous "+path, func(t *testing.T) {
			if r := do(t, anonymous, host, "GET", path, "", nil); r.code != http.StatusOK {
				t.Errorf("GET %s without credentials: HTTP %d, want 200; body: %s", path, r.code, clip(r.body))
			}
		})
	}
}

// bearer adds an Authorization header.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(req)
}
