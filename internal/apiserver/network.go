package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/alloc"
	"github.com/marina-orchestrator/marina/internal/api"
)

// network is what bootstrap needs to publish the cluster's well-known
// services.
type network struct {
	// apiIP and dnsIP are the cluster IPs of default/kubernetes and
	// kube-system/kube-dns: the first and tenth of the service CIDR.
	apiIP, dnsIP netip.Addr
	// apiEndpoint is where the kubernetes service's traffic goes: the
	// server's own address.
	apiEndpoint netip.AddrPort
}

func (s *Server) network() (network, error) {
	r, err := alloc.NewIPRange(s.cfg.ServiceCIDR)
	if err != nil {
		return network{}, err
	}
	apiIP, err1 := r.Nth(0)
	dnsIP, err2 := r.Nth(9)
	if err1 != nil || err2 != nil {
		return network{}, fmt.Errorf("--service-cidr %s: too small for the API and DNS services", s.cfg.ServiceCIDR)
	}
	host, portStr, _ := net.SplitHostPort(s.cfg.Listen)
	port, _ := strconv.Atoi(portStr)
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.IsUnspecified() {
		ip = netip.MustParseAddr("127.0.0.1")
	}
	return network{apiIP: apiIP, dnsIP: dnsIP, apiEndpoint: netip.AddrPortFrom(ip, uint16(port))}, nil
}

// networkObjects are the services every cluster has, as in Kubernetes:
// default/kubernetes (the API, with its endpoints, which no controller
// keeps since it has no selector) and kube-system/kube-dns (answered by
// every agent), and the default IngressClass.
func networkObjects(n network) []func(ctx context.Context, c kubernetes.Interface) error {
	const apiName = "kubernetes"
	apiPort := int32(n.apiEndpoint.Port())
	return []func(ctx context.Context, c kubernetes.Interface) error{
		func(ctx context.Context, c kubernetes.Interface) error {
			return createService(ctx, c, &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceDefault, Name: apiName, Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
				Spec: corev1.ServiceSpec{
					ClusterIP: n.apiIP.String(),
					Ports:     []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromInt32(apiPort), Protocol: corev1.ProtocolTCP}},
				},
			})
		},
		func(ctx context.Context, c kubernetes.Interface) error {
			_, err := c.CoreV1().Endpoints(metav1.NamespaceDefault).Update(ctx, &corev1.Endpoints{
				ObjectMeta: metav1.ObjectMeta{Name: apiName},
				Subsets: []corev1.EndpointSubset{{
					Addresses: []corev1.EndpointAddress{{IP: n.apiEndpoint.Addr().String()}},
					Ports:     []corev1.EndpointPort{{Name: "https", Port: apiPort, Protocol: corev1.ProtocolTCP}},
				}},
			}, metav1.UpdateOptions{})
			return err
		},
		func(ctx context.Context, c kubernetes.Interface) error {
			slice := &discoveryv1.EndpointSlice{
				ObjectMeta: metav1.ObjectMeta{Name: apiName, Labels: map[string]string{
					discoveryv1.LabelServiceName: apiName,
					discoveryv1.LabelManagedBy:   "marina-apiserver",
				}},
				AddressType: discoveryv1.AddressTypeIPv4,
				Endpoints: []discoveryv1.Endpoint{{
					Addresses:  []string{n.apiEndpoint.Addr().String()},
					Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
				}},
				Ports: []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To(apiPort), Protocol: ptr.To(corev1.ProtocolTCP)}},
			}
			slices := c.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault)
			old, err := slices.Get(ctx, apiName, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				_, err = slices.Create(ctx, slice, metav1.CreateOptions{})
				return err
			} else if err != nil {
				return err
			}
			slice.ResourceVersion = old.ResourceVersion
			_, err = slices.Update(ctx, slice, metav1.UpdateOptions{})
			return err
		},
		func(ctx context.Context, c kubernetes.Interface) error {
			return createService(ctx, c, &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Namespace: api.DNSServiceNamespace, Name: api.DNSServiceName, Labels: map[string]string{
					"k8s-app": "kube-dns", "kubernetes.io/name": "Marina-DNS", "kubernetes.io/cluster-service": "true",
				}},
				Spec: corev1.ServiceSpec{
					ClusterIP: n.dnsIP.String(),
					Ports: []corev1.ServicePort{
						{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
						{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
					},
				},
			})
		},
		func(ctx context.Context, c kubernetes.Interface) error {
			_, err := c.NetworkingV1().IngressClasses().Create(ctx, &networkingv1.IngressClass{
				ObjectMeta: metav1.ObjectMeta{Name: api.IngressClassName, Annotations: map[string]string{api.DefaultIngressClassAnnotation: "true"}},
				Spec:       networkingv1.IngressClassSpec{Controller: api.IngressController},
			}, metav1.CreateOptions{})
			return err
		},
	}
}

// createService creates svc unless a service of its name exists. (A
// second create would not answer AlreadyExists: its cluster IP, held by
// the first, is refused before the name is checked.)
func createService(ctx context.Context, c kubernetes.Interface, svc *corev1.Service) error {
	_, err := c.CoreV1().Services(svc.Namespace).Get(ctx, svc.Name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return err
	}
	_, err = c.CoreV1().Services(svc.Namespace).Create(ctx, svc, metav1.CreateOptions{})
	return err
}
