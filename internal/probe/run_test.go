package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const localhost = "127.0.0.1"

// portOf is the port a test server listens on.
func portOf(t *testing.T, addr net.Addr) int {
	t.Helper()
	return addr.(*net.TCPAddr).Port
}

// closedPort returns a port on localhost where nothing listens.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", localhost+":0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(t, l.Addr())
	l.Close()
	return port
}

// check compares a result with the wanted outcome and message; a message
// ending in "*" is a prefix.
func check(t *testing.T, got Result, outcome Outcome, msg string) {
	t.Helper()
	if got.Outcome != outcome {
		t.Errorf("outcome = %v (%q), want %v", got.Outcome, got.Message, outcome)
		return
	}
	if prefix, ok := strings.CutSuffix(msg, "*"); ok {
		if !strings.HasPrefix(got.Message, prefix) {
			t.Errorf("message = %q, want prefix %q", got.Message, prefix)
		}
	} else if got.Message != msg {
		t.Errorf("message = %q, want %q", got.Message, msg)
	}
}

func TestRunHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	mux.HandleFunc("/same-host", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/fail", http.StatusFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "app.example" || r.Header.Get("X-Probe") != "yes" ||
			r.Header.Get("User-Agent") != "kube-probe/1.37" || r.Header.Get("Accept") != "*/*" {
			http.Error(w, fmt.Sprintf("host %q headers %v", r.Host, r.Header), http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("deep") != "1" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	port := portOf(t, srv.Listener.Addr())
	// Another host name for the same server: a redirect there is not
	// followed.
	mux.HandleFunc("/other-host", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", fmt.Sprintf("http://localhost:%d/fail", port))
		w.WriteHeader(http.StatusFound)
		w.Write([]byte(strings.Repeat("x", 20<<10)))
	})
	tlsSrv := httptest.NewTLSServer(mux)
	t.Cleanup(tlsSrv.Close)
	refused := closedPort(t)

	named := []corev1.ContainerPort{{Name: "metrics", ContainerPort: 1}, {Name: "http", ContainerPort: int32(port)}}
	get := func(path string, port intstr.IntOrString) *corev1.HTTPGetAction {
		return &corev1.HTTPGetAction{Path: path, Port: port}
	}
	tests := []struct {
		name    string
		action  *corev1.HTTPGetAction
		target  Target
		outcome Outcome
		msg     string
	}{
		{"200", get("/ok", portNum(port)), Target{PodIP: localhost}, Success, ""},
		{"500", get("/fail", portNum(port)), Target{PodIP: localhost}, Failure, "HTTP probe failed with statuscode: 500"},
		{"404", get("/missing", portNum(port)), Target{PodIP: localhost}, Failure, "HTTP probe failed with statuscode: 404"},
		{"refused", get("/ok", portNum(refused)), Target{PodIP: localhost}, Failure,
			fmt.Sprintf(`Get "http://127.0.0.1:%d/ok": dial tcp 127.0.0.1:%d: connect: connection refused`, refused, refused)},
		{"named port", get("/ok", intstr.FromString("http")), Target{PodIP: localhost, Ports: named}, Success, ""},
		{"numeric string port", get("/ok", intstr.FromString(strconv.Itoa(port))), Target{PodIP: localhost}, Success, ""},
		{"unknown named port", get("/ok", intstr.FromString("web")), Target{PodIP: localhost, Ports: named}, Unknown,
			`http probe: port "web" not found in the container's ports`},
		{"no pod IP", get("/ok", portNum(port)), Target{}, Unknown, "http probe: no host given and the pod has no IP"},
		{"explicit host", &corev1.HTTPGetAction{Host: localhost, Path: "/ok", Port: portNum(port)}, Target{}, Success, ""},
		{"path with query", get("/query?deep=1", portNum(port)), Target{PodIP: localhost}, Success, ""},
		{"headers and Host", &corev1.HTTPGetAction{Path: "/headers", Port: portNum(port), HTTPHeaders: []corev1.HTTPHeader{
			{Name: "Host", Value: "app.example"}, {Name: "X-Probe", Value: "yes"},
		}}, Target{PodIP: localhost}, Success, ""},
		{"same-host redirect is followed", get("/same-host", portNum(port)), Target{PodIP: localhost}, Failure,
			"HTTP probe failed with statuscode: 500"},
		{"other-host redirect passes with a warning and a bounded body", get("/other-host", portNum(port)), Target{PodIP: localhost}, Success,
			"Probe terminated redirects, Response body: " + strings.Repeat("x", 10<<10)},
		{"redirect loop", get("/loop", portNum(port)), Target{PodIP: localhost}, Failure,
			`Get "/loop": stopped after 10 redirects`},
		{"https skips verification", &corev1.HTTPGetAction{Scheme: corev1.URISchemeHTTPS, Path: "/ok", Port: portNum(portOf(t, tlsSrv.Listener.Addr()))},
			Target{PodIP: localhost}, Success, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Run(context.Background(), &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: tt.action}}, tt.target)
			check(t, got, tt.outcome, tt.msg)
		})
	}
}

func TestRunHTTPTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	p := &corev1.Probe{TimeoutSeconds: 1, ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/", Port: portNum(portOf(t, srv.Listener.Addr())),
	}}}
	got := Run(context.Background(), p, Target{PodIP: localhost})
	check(t, got, Failure, `Get "http://127.0.0.1:*`)
	if !strings.Contains(got.Message, "Client.Timeout exceeded") {
		t.Errorf("message = %q, want a client timeout", got.Message)
	}
}

func TestRunTCP(t *testing.T) {
	l, err := net.Listen("tcp", localhost+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	port := portOf(t, l.Addr())
	refused := closedPort(t)
	tests := []struct {
		name    string
		action  *corev1.TCPSocketAction
		target  Target
		outcome Outcome
		msg     string
	}{
		{"open", &corev1.TCPSocketAction{Port: portNum(port)}, Target{PodIP: localhost}, Success, ""},
		{"named port", &corev1.TCPSocketAction{Port: intstr.FromString("db")},
			Target{PodIP: localhost, Ports: []corev1.ContainerPort{{Name: "db", ContainerPort: int32(port)}}}, Success, ""},
		{"explicit host", &corev1.TCPSocketAction{Host: localhost, Port: portNum(port)}, Target{}, Success, ""},
		{"closed", &corev1.TCPSocketAction{Port: portNum(refused)}, Target{PodIP: localhost}, Failure,
			fmt.Sprintf("dial tcp 127.0.0.1:%d: connect: connection refused", refused)},
		{"port out of range", &corev1.TCPSocketAction{Port: intstr.FromInt32(70000)}, Target{PodIP: localhost}, Unknown,
			"tcp probe: invalid port number 70000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Run(context.Background(), &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: tt.action}}, tt.target)
			check(t, got, tt.outcome, tt.msg)
		})
	}
}

// grpcServer starts a real gRPC server on localhost, with the standard
// health service when hs is not nil, and returns its port.
func grpcServer(t *testing.T, hs *health.Server) int {
	t.Helper()
	l, err := net.Listen("tcp", localhost+":0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	if hs != nil {
		healthpb.RegisterHealthServer(s, hs)
	}
	go s.Serve(l)
	t.Cleanup(s.Stop)
	return portOf(t, l.Addr())
}

func TestRunGRPC(t *testing.T) {
	hs := health.NewServer() // "" is SERVING
	hs.SetServingStatus("down", healthpb.HealthCheckResponse_NOT_SERVING)
	port := grpcServer(t, hs)
	bare := grpcServer(t, nil)
	refused := closedPort(t)
	svc := func(s string) *string { return &s }
	tests := []struct {
		name    string
		action  *corev1.GRPCAction
		target  Target
		outcome Outcome
		msg     string
	}{
		{"serving", &corev1.GRPCAction{Port: int32(port)}, Target{PodIP: localhost}, Success, ""},
		{"not serving", &corev1.GRPCAction{Port: int32(port), Service: svc("down")}, Target{PodIP: localhost}, Failure,
			`service unhealthy (responded with "NOT_SERVING")`},
		{"unknown service", &corev1.GRPCAction{Port: int32(port), Service: svc("nope")}, Target{PodIP: localhost}, Failure,
			"error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"},
		{"no health service", &corev1.GRPCAction{Port: int32(bare)}, Target{PodIP: localhost}, Failure,
			"error: this server does not implement the grpc health protocol (grpc.health.v1.Health): *"},
		{"refused", &corev1.GRPCAction{Port: int32(refused)}, Target{PodIP: localhost}, Failure,
			fmt.Sprintf(`error: failed to connect service at "127.0.0.1:%d": *`, refused)},
		{"no pod IP", &corev1.GRPCAction{Port: int32(port)}, Target{}, Unknown, "grpc probe: the pod has no IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Run(context.Background(), &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: tt.action}}, tt.target)
			check(t, got, tt.outcome, tt.msg)
			if tt.name == "refused" && !strings.Contains(got.Message, "connection refused") {
				t.Errorf("message = %q, want it to say connection refused", got.Message)
			}
		})
	}
}

// hostExec runs commands on this machine, standing in for a runtime's exec.
func hostExec(ctx context.Context, cmd []string) ([]byte, int, error) {
	out, err := exec.CommandContext(ctx, cmd[0], cmd[1:]...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && ctx.Err() == nil {
		return out, exit.ExitCode(), nil
	}
	if err != nil {
		return out, -1, err
	}
	return out, 0, nil
}

func TestRunExec(t *testing.T) {
	tests := []struct {
		name    string
		cmd     []string
		target  Target
		outcome Outcome
		msg     string
	}{
		{"exit 0", []string{"sh", "-c", "echo fine"}, Target{Exec: hostExec}, Success, ""},
		{"exit 1 with output", []string{"sh", "-c", "echo '  not ready '; exit 1"}, Target{Exec: hostExec}, Failure, "not ready"},
		{"exit 3 without output", []string{"sh", "-c", "exit 3"}, Target{Exec: hostExec}, Failure, `command "sh -c exit 3" exited with 3`},
		{"command not found", []string{"/nonexistent/probe"}, Target{Exec: hostExec}, Unknown,
			`exec probe: run "/nonexistent/probe": *`},
		{"no exec in runtime", []string{"true"}, Target{}, Unknown, "exec probe: the container runtime cannot run commands in containers"},
		{"no command", nil, Target{Exec: hostExec}, Unknown, "exec probe: no command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Run(context.Background(), &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: tt.cmd}}}, tt.target)
			check(t, got, tt.outcome, tt.msg)
		})
	}
}

func TestRunExecTimeout(t *testing.T) {
	t.Parallel()
	p := &corev1.Probe{TimeoutSeconds: 1, ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"sleep", "10"}}}}
	check(t, Run(context.Background(), p, Target{Exec: hostExec}), Failure, `command "sleep 10" timed out`)
}

func TestRunWithoutHandler(t *testing.T) {
	check(t, Run(context.Background(), nil, Target{}), Unknown, "no probe")
	check(t, Run(context.Background(), &corev1.Probe{}, Target{}), Unknown, "probe has no handler (exec, httpGet, tcpSocket or grpc)")
}

func TestRunCancelledIsUnknown(t *testing.T) {
	l, err := net.Listen("tcp", localhost+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: portNum(portOf(t, l.Addr()))}}}
	check(t, Run(ctx, p, Target{PodIP: localhost}), Unknown, "probe cancelled: context canceled: *")
}

func portNum(n int) intstr.IntOrString { return intstr.FromInt32(int32(n)) }
