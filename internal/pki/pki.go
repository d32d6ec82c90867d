// Package pki creates and loads the credentials a Marina server keeps in
// its data directory: a certificate authority, the API server's serving
// certificate, the admin's client certificate, bearer tokens for the admin
// and for joining nodes, and the admin kubeconfig.
//
// Everything is created on first start and reused afterwards; the serving
// certificate is re-issued when the addresses it must cover change.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// File names in the data directory.
const (
	CACert     = "ca.crt"
	CAKey      = "ca.key"
	ServerCert = "server.crt"
	ServerKey  = "server.key"
	AdminCert  = "admin.crt"
	AdminKey   = "admin.key"
	AdminToken = "admin.token"
	// AgentClientCert and AgentClientKey are how the API server proves
	// itself to node agents (for logs, exec and port-forward).
	AgentClientCert = "agent-client.crt"
	AgentClientKey  = "agent-client.key"
	// JoinToken is what `marina agent --token-file` reads to join.
	JoinToken  = "node-token"
	Kubeconfig = "kubeconfig.yaml"
)

// AdminUser and AdminGroup identify the admin credential.
const (
	AdminUser  = "marina-admin"
	AdminGroup = "system:masters"
)

// AgentClientUser is the API server's name towards node agents; agents
// accept only a client certificate for it signed by the CA.
const AgentClientUser = "marina-apiserver"

// Material is the loaded credentials.
type Material struct {
	Dir        string
	CA         *x509.Certificate
	CAKey      crypto.Signer
	CAPEM      []byte
	AdminToken string
	JoinToken  string
}

// Ensure loads the credentials in dir, creating what is missing. The
// serving certificate covers hosts (names or IPs) plus localhost.
func Ensure(dir string, hosts []string, now time.Time) (*Material, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	m := &Material{Dir: dir}
	var err error
	if m.CA, m.CAKey, err = ensureCA(dir, now); err != nil {
		return nil, err
	}
	m.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.CA.Raw})
	if err := m.ensureServing(hosts, now); err != nil {
		return nil, err
	}
	if err := m.ensureClient(AdminCert, AdminKey, AdminUser, []string{AdminGroup}, now); err != nil {
		return nil, err
	}
	if err := m.ensureClient(AgentClientCert, AgentClientKey, AgentClientUser, nil, now); err != nil {
		return nil, err
	}
	if m.AdminToken, err = ensureToken(filepath.Join(dir, AdminToken)); err != nil {
		return nil, err
	}
	if m.JoinToken, err = ensureToken(filepath.Join(dir, JoinToken)); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Material) path(name string) string { return filepath.Join(m.Dir, name) }

// AgentClientCertificate is the API server's client certificate towards
// node agents.
func (m *Material) AgentClientCertificate() (tls.Certificate, error) {
	return tls.LoadX509KeyPair(m.path(AgentClientCert), m.path(AgentClientKey))
}

// EnsureSelfSigned loads the serving certificate at certPath and keyPath,
// or creates a self-signed one for hosts when there is none or it expires
// within 30 days. Node agents serve with such a certificate; the API
// server pins it by its fingerprint (see Fingerprint), which the agent
// publishes on its Node.
func EnsureSelfSigned(certPath, keyPath, commonName string, hosts []string, now time.Time) (tls.Certificate, error) {
	if cert, _, err := loadPair(certPath, keyPath); err == nil && now.Add(30*24*time.Hour).Before(cert.NotAfter) {
		return tls.LoadX509KeyPair(certPath, keyPath)
	}
	ips, dns := splitHosts(append([]string{"localhost", "127.0.0.1"}, hosts...))
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: commonName},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips,
		DNSNames:    dns,
	}
	if _, _, err := issue(certPath, keyPath, tmpl, nil, nil); err != nil {
		return tls.Certificate{}, fmt.Errorf("create self-signed certificate: %w", err)
	}
	return tls.LoadX509KeyPair(certPath, keyPath)
}

// Fingerprint is the hex SHA-256 of a certificate's DER bytes.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// issue makes a new key and a certificate from tmpl (its serial number
// filled in) signed by parent's key, or self-signed when parent is nil,
// and writes both to certPath and keyPath.
func issue(certPath, keyPath string, tmpl, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, crypto.Signer, error) {
	k, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	if tmpl.SerialNumber, err = serial(); err != nil {
		return nil, nil, err
	}
	if parent == nil {
		parent, parentKey = tmpl, k
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &k.PublicKey, parentKey)
	if err != nil {
		return nil, nil, err
	}
	if err := writePair(certPath, keyPath, der, k); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, k, err
}

func ensureCA(dir string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	cert, key, err := loadPair(filepath.Join(dir, CACert), filepath.Join(dir, CAKey))
	if err == nil {
		return cert, key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: fmt.Sprintf("marina-ca@%d", now.Unix())},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert, key, err = issue(filepath.Join(dir, CACert), filepath.Join(dir, CAKey), tmpl, nil, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA: %w", err)
	}
	return cert, key, nil
}

// ensureServing issues the serving certificate unless the existing one is
// valid for a while yet and covers every wanted host.
func (m *Material) ensureServing(hosts []string, now time.Time) error {
	wantIPs, wantDNS := splitHosts(append([]string{"localhost", "127.0.0.1", "::1", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}, hosts...))
	if cert, _, err := loadPair(m.path(ServerCert), m.path(ServerKey)); err == nil {
		covers := now.Add(30 * 24 * time.Hour).Before(cert.NotAfter)
		for _, ip := range wantIPs {
			covers = covers && slices.ContainsFunc(cert.IPAddresses, ip.Equal)
		}
		for _, d := range wantDNS {
			covers = covers && slices.Contains(cert.DNSNames, d)
		}
		if covers && m.signedByCA(cert) {
			return nil
		}
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "marina-apiserver"},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: wantIPs,
		DNSNames:    wantDNS,
	}
	if _, _, err := issue(m.path(ServerCert), m.path(ServerKey), tmpl, m.CA, m.CAKey); err != nil {
		return fmt.Errorf("create serving certificate: %w", err)
	}
	return nil
}

func (m *Material) signedByCA(cert *x509.Certificate) bool {
	return cert.CheckSignatureFrom(m.CA) == nil
}

// ensureClient issues a client certificate for user in groups, once.
func (m *Material) ensureClient(certName, keyName, user string, groups []string, now time.Time) error {
	if cert, _, err := loadPair(m.path(certName), m.path(keyName)); err == nil && m.signedByCA(cert) {
		return nil
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: groups},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.AddDate(10, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if _, _, err := issue(m.path(certName), m.path(keyName), tmpl, m.CA, m.CAKey); err != nil {
		return fmt.Errorf("create client certificate for %s: %w", user, err)
	}
	return nil
}

func splitHosts(hosts []string) ([]net.IP, []string) {
	var ips []net.IP
	var dns []string
	for _, h := range hosts {
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
		} else if !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	return ips, dns
}

func ensureToken(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		return string(trimNewline(b)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read token: %w", err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw)
	if err := writeFile(path, []byte(tok+"\n")); err != nil {
		return "", err
	}
	return tok, nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func loadPair(certPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	if cb == nil {
		return nil, nil, fmt.Errorf("%s: no PEM certificate", certPath)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", certPath, err)
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, nil, fmt.Errorf("%s: no PEM key", keyPath)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	return cert, key, nil
}

func writePair(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})); err != nil {
		return err
	}
	return writeFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// writeFile replaces path atomically, readable by its owner only.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
