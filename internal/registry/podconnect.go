package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericrest "k8s.io/apiserver/pkg/registry/generic/rest"
	"k8s.io/apiserver/pkg/registry/rest"
	translator "k8s.io/apiserver/pkg/util/proxy"
)

// AgentConnector tells the API server how to reach a node's agent, which
// serves pods' logs, exec, attach and port-forward (the paths the kubelet
// serves: /containerLogs, /exec, /attach, /portForward).
type AgentConnector interface {
	// AgentLocation returns the base URL of the agent of nodeName and a
	// transport that authenticates the API server to it and checks the
	// agent is the one the node registered. Errors are API errors (the
	// node does not exist, or its agent publishes no endpoint).
	AgentLocation(ctx context.Context, nodeName string) (*url.URL, http.RoundTripper, error)
}

// podConnector resolves a pod and one of its containers to a URL on the
// agent of the pod's node.
type podConnector struct {
	store  *Store
	agents AgentConnector
}

// location returns the agent URL for path (e.g. "exec") of the pod's
// container (or of the pod, when container is "-"). A pod without a node,
// or a container it does not have, is a bad request that names the
// problem.
func (c *podConnector) location(ctx context.Context, name, container, path string, query url.Values) (*url.URL, http.RoundTripper, error) {
	obj, err := c.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	pod := obj.(*corev1.Pod)
	if container != "-" {
		if container, err = podContainer(pod, container); err != nil {
			return nil, nil, err
		}
	}
	if pod.Spec.NodeName == "" {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	if c.agents == nil {
		return nil, nil, apierrors.NewServiceUnavailable(fmt.Sprintf("pod %s: this API server cannot reach node agents", name))
	}
	base, transport, err := c.agents.AgentLocation(ctx, pod.Spec.NodeName)
	if err != nil {
		return nil, nil, err
	}
	elems := []string{path, pod.Namespace, pod.Name}
	if container != "-" {
		elems = append(elems, container)
	}
	loc := *base
	loc.Path = "/" + strings.Join(elems, "/")
	loc.RawQuery = query.Encode()
	return &loc, transport, nil
}

// podContainer checks that the pod has the named container (init,
// regular or ephemeral); an empty name picks the only container, as the
// kubelet's API does.
func podContainer(pod *corev1.Pod, name string) (string, error) {
	var all []string
	for _, c := range pod.Spec.InitContainers {
		all = append(all, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		all = append(all, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		all = append(all, c.Name)
	}
	if name == "" {
		if len(pod.Spec.Containers) == 1 {
			return pod.Spec.Containers[0].Name, nil
		}
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", pod.Name, all))
	}
	for _, c := range all {
		if c == name {
			return name, nil
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
}

// logREST serves pods/log by streaming the agent's /containerLogs.
type logREST struct{ c *podConnector }

var _ rest.GetterWithOptions = (*logREST)(nil)

func (r *logREST) New() runtime.Object { return &corev1.Pod{} }
func (r *logREST) Destroy()            {}
func (r *logREST) NewGetOptions() (runtime.Object, bool, string) {
	return &corev1.PodLogOptions{}, false, ""
}

// ProducesMIMETypes and ProducesObject document the plain-text response
// in OpenAPI.
func (r *logREST) ProducesMIMETypes(string) []string { return []string{"text/plain"} }
func (r *logREST) ProducesObject(string) any         { return "" }

func (r *logREST) Get(ctx context.Context, name string, opts runtime.Object) (runtime.Object, error) {
	o, ok := opts.(*corev1.PodLogOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected PodLogOptions, got %T", opts))
	}
	if errs := validateLogOptions(o); len(errs) > 0 {
		return nil, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("PodLogOptions").GroupKind(), name, errs)
	}
	q := url.Values{}
	if o.Follow {
		q.Set("follow", "true")
	}
	if o.Previous {
		q.Set("previous", "true")
	}
	if o.Timestamps {
		q.Set("timestamps", "true")
	}
	if o.TailLines != nil {
		q.Set("tailLines", strconv.FormatInt(*o.TailLines, 10))
	}
	if o.LimitBytes != nil {
		q.Set("limitBytes", strconv.FormatInt(*o.LimitBytes, 10))
	}
	if o.SinceSeconds != nil {
		q.Set("sinceSeconds", strconv.FormatInt(*o.SinceSeconds, 10))
	}
	if o.SinceTime != nil {
		q.Set("sinceTime", o.SinceTime.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if o.Stream != nil {
		q.Set("stream", *o.Stream)
	}
	loc, transport, err := r.c.location(ctx, name, o.Container, "containerLogs", q)
	if err != nil {
		return nil, err
	}
	return &genericrest.LocationStreamer{
		Location:        loc,
		Transport:       transport,
		ContentType:     "text/plain",
		Flush:           o.Follow,
		ResponseChecker: genericrest.NewGenericHttpResponseChecker(corev1.Resource("pods/log"), name),
		RedirectChecker: genericrest.PreventRedirects,
	}, nil
}

func validateLogOptions(o *corev1.PodLogOptions) field.ErrorList {
	var errs field.ErrorList
	if o.TailLines != nil && *o.TailLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *o.TailLines, "must be greater than or equal to 0"))
	}
	if o.LimitBytes != nil && *o.LimitBytes < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *o.LimitBytes, "must be greater than 0"))
	}
	if o.SinceSeconds != nil && *o.SinceSeconds < 1 {
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *o.SinceSeconds, "must be greater than 0"))
	}
	if o.SinceSeconds != nil && o.SinceTime != nil {
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	}
	if o.Stream != nil {
		switch *o.Stream {
		case corev1.LogStreamStdout, corev1.LogStreamStderr, corev1.LogStreamAll:
			if *o.Stream != corev1.LogStreamAll && o.TailLines != nil {
				errs = append(errs, field.Forbidden(field.NewPath("stream"), "may not be specified with tailLines"))
			}
		default:
			errs = append(errs, field.NotSupported(field.NewPath("stream"), *o.Stream, []string{corev1.LogStreamStdout, corev1.LogStreamStderr, corev1.LogStreamAll}))
		}
	}
	return errs
}

// upgradeHandler proxies an upgraded (SPDY) connection to loc.
func upgradeHandler(loc *url.URL, transport http.RoundTripper, responder rest.Responder) http.Handler {
	return proxy.NewUpgradeAwareHandler(loc, transport, false, true, proxy.NewErrorResponder(responder))
}

// streamQuery encodes the streams a remote command asks for, as the
// kubelet's API reads them.
func streamQuery(stdin, stdout, stderr, tty bool) url.Values {
	q := url.Values{}
	for _, p := range []struct {
		on   bool
		name string
	}{{stdin, "input"}, {stdout, "output"}, {stderr, "error"}, {tty, "tty"}} {
		if p.on {
			q.Set(p.name, "1")
		}
	}
	return q
}

// remoteCommandHandler proxies SPDY requests as they are and translates
// WebSocket (v5.channel.k8s.io, what current kubectl speaks) to SPDY
// towards the agent, as kube-apiserver does.
func remoteCommandHandler(loc *url.URL, transport http.RoundTripper, responder rest.Responder, opts translator.Options) http.Handler {
	return translator.NewTranslatingHandler(
		upgradeHandler(loc, transport, responder),
		translator.NewStreamTranslatorHandler(loc, transport, 0, opts),
		wsstream.IsWebSocketRequestWithStreamCloseProtocol)
}

// execREST serves pods/exec.
type execREST struct{ c *podConnector }

var _ rest.Connecter = (*execREST)(nil)

func (r *execREST) New() runtime.Object { return &corev1.Pod{} }
func (r *execREST) Destroy()            {}
func (r *execREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodExecOptions{}, false, ""
}
func (r *execREST) ConnectMethods() []string { return []string{"GET", "POST"} }

func (r *execREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.PodExecOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected PodExecOptions, got %T", opts))
	}
	var errs field.ErrorList
	if len(o.Command) == 0 {
		errs = append(errs, field.Required(field.NewPath("command"), "you must specify at least 1 command"))
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		errs = append(errs, field.Required(field.NewPath("stdin"), "you must specify at least one of stdin, stdout, stderr"))
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("PodExecOptions").GroupKind(), name, errs)
	}
	q := streamQuery(o.Stdin, o.Stdout, o.Stderr, o.TTY)
	for _, arg := range o.Command {
		q.Add("command", arg)
	}
	loc, transport, err := r.c.location(ctx, name, o.Container, "exec", q)
	if err != nil {
		return nil, err
	}
	return remoteCommandHandler(loc, transport, responder, translator.Options{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, Tty: o.TTY}), nil
}

// attachREST serves pods/attach.
type attachREST struct{ c *podConnector }

var _ rest.Connecter = (*attachREST)(nil)

func (r *attachREST) New() runtime.Object { return &corev1.Pod{} }
func (r *attachREST) Destroy()            {}
func (r *attachREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodAttachOptions{}, false, ""
}
func (r *attachREST) ConnectMethods() []string { return []string{"GET", "POST"} }

func (r *attachREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.PodAttachOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected PodAttachOptions, got %T", opts))
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		return nil, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("PodAttachOptions").GroupKind(), name, field.ErrorList{
			field.Required(field.NewPath("stdin"), "you must specify at least one of stdin, stdout, stderr"),
		})
	}
	loc, transport, err := r.c.location(ctx, name, o.Container, "attach", streamQuery(o.Stdin, o.Stdout, o.Stderr, o.TTY))
	if err != nil {
		return nil, err
	}
	return remoteCommandHandler(loc, transport, responder, translator.Options{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, Tty: o.TTY}), nil
}

// portForwardREST serves pods/portforward: SPDY proxied as it is, and
// WebSocket-tunnelled SPDY (what current kubectl speaks) unwrapped first.
type portForwardREST struct{ c *podConnector }

var _ rest.Connecter = (*portForwardREST)(nil)

func (r *portForwardREST) New() runtime.Object { return &corev1.Pod{} }
func (r *portForwardREST) Destroy()            {}
func (r *portForwardREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodPortForwardOptions{}, false, ""
}
func (r *portForwardREST) ConnectMethods() []string { return []string{"GET", "POST"} }

func (r *portForwardREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.PodPortForwardOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected PodPortForwardOptions, got %T", opts))
	}
	q := url.Values{}
	for i, p := range o.Ports {
		if p < 1 || p > 65535 {
			return nil, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("PodPortForwardOptions").GroupKind(), name, field.ErrorList{
				field.Invalid(field.NewPath("ports").Index(i), p, "must be between 1 and 65535, inclusive"),
			})
		}
		q.Add("port", strconv.Itoa(int(p)))
	}
	loc, transport, err := r.c.location(ctx, name, "-", "portForward", q)
	if err != nil {
		return nil, err
	}
	handler := upgradeHandler(loc, transport, responder)
	return translator.NewTranslatingHandler(handler, translator.NewTunnelingHandler(handler), wsstream.IsWebSocketRequestWithTunnelingProtocol), nil
}
