package pki

import (
	"fmt"
	"net"
	"os"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ServerURL is the URL clients on this machine use for a listen address;
// an unspecified address (0.0.0.0, ::) is reached through loopback.
func ServerURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("--listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "https://" + net.JoinHostPort(host, port), nil
}

// WriteKubeconfig writes the admin kubeconfig for a server at serverURL.
func (m *Material) WriteKubeconfig(serverURL string) error {
	cert, err := os.ReadFile(m.path(AdminCert))
	if err != nil {
		return err
	}
	key, err := os.ReadFile(m.path(AdminKey))
	if err != nil {
		return err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["marina"] = &clientcmdapi.Cluster{Server: serverURL, CertificateAuthorityData: m.CAPEM}
	cfg.AuthInfos["marina-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts["marina"] = &clientcmdapi.Context{Cluster: "marina", AuthInfo: "marina-admin", Namespace: "default"}
	cfg.CurrentContext = "marina"
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("encode kubeconfig: %w", err)
	}
	return writeFile(m.path(Kubeconfig), b)
}
