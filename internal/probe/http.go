package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// maxBody bounds how much of a response body is read, as in the kubelet.
const maxBody = 10 << 10

// maxRedirects is how many same-host redirects are followed.
const maxRedirects = 10

func runHTTP(ctx context.Context, a *corev1.HTTPGetAction, t Target, timeout time.Duration) Result {
	h, err := host(a.Host, t)
	if err != nil {
		return unknown(fmt.Errorf("http probe: %w", err))
	}
	port, err := resolvePort(a.Port, t.Ports)
	if err != nil {
		return unknown(fmt.Errorf("http probe: %w", err))
	}
	scheme := strings.ToLower(string(a.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, probeURL(scheme, h, port, a.Path).String(), nil)
	if err != nil {
		return unknown(fmt.Errorf("http probe: build request: %w", err))
	}
	for _, hdr := range a.HTTPHeaders {
		req.Header.Add(hdr.Name, hdr.Value)
	}
	if v := req.Header.Get("Host"); v != "" {
		req.Host = v
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header.Set("User-Agent", userAgent)
	}
	if _, ok := req.Header["Accept"]; !ok {
		req.Header.Set("Accept", "*/*")
	}

	// A transport per run: probes are rare, and a shared one would keep
	// nothing anyway with keep-alives off (they would hold a container's
	// connection between probes). Probes go straight to the pod, never
	// through a proxy, and do not verify certificates, as the kubelet.
	transport := &http.Transport{
		Proxy:             nil,
		DialContext:       (&net.Dialer{}).DialContext,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // kubelet semantics
		DisableKeepAlives: true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: sameHostRedirects}

	res, err := client.Do(req)
	if err != nil {
		return failure(err.Error())
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return failure(err.Error())
	}
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return Result{Outcome: Success}
	case res.StatusCode >= 300 && res.StatusCode < 400:
		// A redirect not followed (to another host, or without a
		// Location) passes with a warning, as in the kubelet.
		return Result{Outcome: Success, Message: "Probe terminated redirects, Response body: " + string(body)}
	}
	return failure(fmt.Sprintf("HTTP probe failed with statuscode: %d", res.StatusCode))
}

// probeURL builds the URL as the kubelet does: the path may carry a query.
func probeURL(scheme, host string, port int, path string) *url.URL {
	u, err := url.Parse(path)
	if err != nil {
		// Too late to reject a bad path; pass it on as it is.
		u = &url.URL{Path: path}
	}
	u.Scheme = scheme
	u.Host = net.JoinHostPort(host, strconv.Itoa(port))
	return u
}

// sameHostRedirects follows redirects only to the host first asked, so a
// probe cannot be bounced to another machine; the redirect response itself
// is then the probe's answer.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if len(via) >= maxRedirects {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}
