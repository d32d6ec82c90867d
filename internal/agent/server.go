package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"

	"github.com/marina-orchestrator/marina/internal/containerlog"
	"github.com/marina-orchestrator/marina/internal/pki"
	"github.com/marina-orchestrator/marina/internal/runtime"
)

// Streaming timeouts, as the kubelet's defaults.
const (
	streamIdleTimeout     = 4 * time.Hour
	streamCreationTimeout = 30 * time.Second
)

// server is the agent's HTTPS API, which the API server calls for pods'
// logs, exec, attach and port-forward. It serves the kubelet's paths:
//
//	GET      /containerLogs/{namespace}/{pod}/{container}
//	GET|POST /exec/{namespace}/{pod}/{container}?command=...&input=1&output=1&error=1&tty=1
//	GET|POST /attach/{namespace}/{pod}/{container}
//	GET|POST /portForward/{namespace}/{pod}
//	GET      /healthz
//
// Only the API server may call it: every path but /healthz requires its
// client certificate (signed by the cluster CA, common name
// pki.AgentClientUser).
type server struct {
	pods *podManager
	log  *slog.Logger
}

// listenAgentAPI opens the agent's TLS listener on port (0 picks a free
// one) with its self-signed certificate, created on first start in the
// data dir. It returns the listener and the certificate's fingerprint,
// which the agent publishes on its Node.
func listenAgentAPI(cfg Config, port int) (net.Listener, string, error) {
	caPEM, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, "", fmt.Errorf("--ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, "", fmt.Errorf("--ca-file %s: no certificate", cfg.CAFile)
	}
	dir := filepath.Join(cfg.DataDir, "pki")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	cert, err := pki.EnsureSelfSigned(filepath.Join(dir, "agent.crt"), filepath.Join(dir, "agent.key"),
		"marina-agent@"+cfg.NodeName, []string{cfg.NodeName, internalIP()}, time.Now())
	if err != nil {
		return nil, "", fmt.Errorf("agent serving certificate: %w", err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(port)))
	if err != nil {
		return nil, "", fmt.Errorf("agent API: %w", err)
	}
	tlsCfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.VerifyClientCertIfGiven,
		NextProtos:   []string{"http/1.1"}, // upgrades (SPDY, WebSocket) need HTTP/1.1
	}
	return tls.NewListener(ln, tlsCfg), pki.Fingerprint(cert.Certificate[0]), nil
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.Handle("GET /containerLogs/{namespace}/{pod}/{container}", s.onlyAPIServer(s.containerLogs))
	for _, m := range []string{"GET", "POST"} {
		mux.Handle(m+" /exec/{namespace}/{pod}/{container}", s.onlyAPIServer(s.exec))
		mux.Handle(m+" /attach/{namespace}/{pod}/{container}", s.onlyAPIServer(s.attach))
		mux.Handle(m+" /portForward/{namespace}/{pod}", s.onlyAPIServer(s.portForward))
	}
	return mux
}

// onlyAPIServer lets through requests with the API server's client
// certificate (the TLS handshake has verified its chain).
func (s *server) onlyAPIServer(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || r.TLS.VerifiedChains[0][0].Subject.CommonName != pki.AgentClientUser {
			http.Error(w, "Unauthorized: only the API server may call the agent", http.StatusUnauthorized)
			return
		}
		h(w, r)
	})
}

// httpError writes err with the status an API error carries, else 500.
func httpError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		code = int(status.Status().Code)
	}
	http.Error(w, err.Error(), code)
}

// container finds the runtime's latest attempt of a container of a pod on
// this node, or the one before it with previous.
func (s *server) container(r *http.Request, previous bool) (*corev1.Pod, runtime.ContainerStatus, error) {
	ns, name, cname := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	pod, err := s.pods.lister.Pods(ns).Get(name)
	if err != nil {
		return nil, runtime.ContainerStatus{}, apierrors.NewNotFound(corev1.Resource("pods"), name)
	}
	attempts, err := s.pods.attempts(r.Context(), string(pod.UID))
	if err != nil {
		return nil, runtime.ContainerStatus{}, err
	}
	list := attempts[cname]
	switch {
	case previous && len(list) < 2:
		return nil, runtime.ContainerStatus{}, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", cname, name))
	case previous:
		return pod, list[1], nil
	case len(list) == 0:
		return nil, runtime.ContainerStatus{}, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: %s", cname, name, waitingReason(pod, cname)))
	}
	return pod, list[0], nil
}

// waitingReason is why the pod's status says a container is waiting.
func waitingReason(pod *corev1.Pod, name string) string {
	for _, cs := range append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		if cs.Name == name && cs.State.Waiting != nil {
			return cs.State.Waiting.Reason
		}
	}
	return "ContainerCreating"
}

// containerLogs serves a container's log with the options of kubectl
// logs.
func (s *server) containerLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	flag := func(name string) bool { b, _ := strconv.ParseBool(q.Get(name)); return b }
	_, c, err := s.container(r, flag("previous"))
	if err != nil {
		httpError(w, err)
		return
	}
	opts := containerlog.Options{Follow: flag("follow"), Timestamps: flag("timestamps"), Stream: q.Get("stream")}
	if opts.Stream == corev1.LogStreamAll {
		opts.Stream = ""
	}
	for name, dst := range map[string]**int64{"tailLines": &opts.TailLines, "limitBytes": &opts.LimitBytes} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				http.Error(w, fmt.Sprintf("%s %q: not an integer", name, v), http.StatusBadRequest)
				return
			}
			*dst = &n
		}
	}
	if v := q.Get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.Error(w, fmt.Sprintf("sinceSeconds %q: not an integer", v), http.StatusBadRequest)
			return
		}
		t := time.Now().Add(-time.Duration(n) * time.Second)
		opts.SinceTime = &t
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			http.Error(w, fmt.Sprintf("sinceTime %q: not an RFC 3339 time", v), http.StatusBadRequest)
			return
		}
		opts.SinceTime = &t
	}
	stop := s.stopped(r.Context(), c.ID)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	if err := containerlog.Read(r.Context(), c.LogPath, opts, w, stop); err != nil && r.Context().Err() == nil {
		s.log.Warn("serve container log", "container", c.ID, "err", err)
	}
}

// remoteCommand resolves an exec or attach request: the latest attempt
// of its container, which must run, and the streams asked for. It has
// answered the request when ok is false.
func (s *server) remoteCommand(w http.ResponseWriter, r *http.Request) (*corev1.Pod, runtime.ContainerStatus, *remotecommand.Options, bool) {
	pod, c, err := s.container(r, false)
	if err == nil && c.State != runtime.Running {
		err = apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is not running", c.Name, pod.Name))
	}
	if err != nil {
		httpError(w, err)
		return nil, c, nil, false
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, c, nil, false
	}
	return pod, c, opts, true
}

// stopped reports, when called, whether container id no longer runs:
// what ends following its log.
func (s *server) stopped(ctx context.Context, id string) func() bool {
	return func() bool {
		st, err := s.pods.rts.status(ctx, id)
		return err != nil || st.State != runtime.Running
	}
}

func (s *server) exec(w http.ResponseWriter, r *http.Request) {
	pod, c, opts, ok := s.remoteCommand(w, r)
	if !ok {
		return
	}
	remotecommand.ServeExec(w, r, executor{s.pods.rts, c.ID}, pod.Name, string(pod.UID), c.Name, r.URL.Query()["command"],
		opts, streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

// executor runs exec requests in one container.
type executor struct {
	rts *runtimes
	id  string
}

func (e executor) ExecInContainer(ctx context.Context, _, _, _ string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	req := runtime.ExecRequest{Command: cmd, TTY: tty}
	if resize != nil {
		sizes := make(chan runtime.TerminalSize)
		req.Resize = sizes
		go forwardSizes(ctx, resize, sizes)
	}
	// Typed nils would look like streams to the runtime.
	if in != nil {
		req.Stdin = in
	}
	if out != nil {
		req.Stdout = out
	}
	if errw != nil {
		req.Stderr = errw
	}
	code, err := e.rts.exec(ctx, e.id, req)
	if err != nil {
		return err
	}
	if code != 0 {
		return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with non-zero exit code: %d", code), Code: code}
	}
	return nil
}

// forwardSizes passes terminal sizes on until either side is done.
func forwardSizes(ctx context.Context, from <-chan remotecommand.TerminalSize, to chan<- runtime.TerminalSize) {
	defer close(to)
	for {
		select {
		case sz, ok := <-from:
			if !ok {
				return
			}
			select {
			case to <- runtime.TerminalSize{Width: sz.Width, Height: sz.Height}:
			case <-ctx.Done():
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// attach streams a running container's output from its log. The runtimes
// do not keep a container's stdin open, so attaching stdin is refused.
func (s *server) attach(w http.ResponseWriter, r *http.Request) {
	pod, c, opts, ok := s.remoteCommand(w, r)
	if !ok {
		return
	}
	if opts.Stdin {
		http.Error(w, fmt.Sprintf("container %q in pod %q: Marina does not connect a container's stdin; use kubectl exec -i", c.Name, pod.Name), http.StatusBadRequest)
		return
	}
	remotecommand.ServeAttach(w, r, attacher{s, c}, pod.Name, string(pod.UID), c.Name, opts,
		streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

type attacher struct {
	s *server
	c runtime.ContainerStatus
}

func (a attacher) AttachContainer(ctx context.Context, _, _, _ string, _ io.Reader, out, _ io.WriteCloser, _ bool, _ <-chan remotecommand.TerminalSize) error {
	if out == nil {
		<-ctx.Done()
		return nil
	}
	zero := int64(0)
	return containerlog.Read(ctx, a.c.LogPath, containerlog.Options{Follow: true, TailLines: &zero}, out, a.s.stopped(ctx, a.c.ID))
}

// portForward connects streams to ports of the pod's IP.
func (s *server) portForward(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("pod")
	pod, err := s.pods.lister.Pods(ns).Get(name)
	if err != nil {
		httpError(w, apierrors.NewNotFound(corev1.Resource("pods"), name))
		return
	}
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if pod.Status.PodIP == "" {
		httpError(w, apierrors.NewBadRequest(fmt.Sprintf("pod %q has no IP yet", name)))
		return
	}
	portforward.ServePortForward(w, r, forwarder{pod.Status.PodIP}, pod.Name, string(pod.UID), opts,
		streamIdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

// forwarder connects a stream to a port of one pod IP.
type forwarder struct{ ip string }

func (f forwarder) PortForward(ctx context.Context, _, _ string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(f.ip, strconv.Itoa(int(port))))
	if err != nil {
		return fmt.Errorf("connect to port %d of the pod: %w", port, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	go func() {
		// The client is done sending: pass that on and keep reading.
		_, _ = io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	_, _ = io.Copy(stream, conn)
	return nil
}
