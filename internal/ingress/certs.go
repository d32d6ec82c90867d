package ingress

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// defaultCertName is the common name of the self-signed certificate served
// when no Ingress configures one.
const defaultCertName = "marina-ingress-default"

// certStore holds the parsed certificates of one Sync, read by any number
// of TLS handshakes at once.
type certStore struct {
	exact    map[string]*tls.Certificate // by canonical host
	wildcard map[string]*tls.Certificate // "*.example.com" under "example.com"
	// fallback is served when SNI matches nothing: the first certificate
	// configured, else the self-signed default.
	fallback *tls.Certificate
	count    int // distinct certificates, for the log
}

// certSource returns the parsed certificate of a TLS Secret. Errors are
// reported against the Ingress that names the Secret.
type certSource func(namespace, name string) (*tls.Certificate, error)

// buildCerts maps the hosts in the spec.tls of ingresses (Marina's, in
// routing order) to certificates from source. Where two Ingresses give a
// host different Secrets the first wins. A Secret that cannot be used is
// skipped and reported in the error, naming the Ingress and the Secret;
// the other certificates are still returned. Apart from source, it does
// no I/O.
func buildCerts(ingresses []*networkingv1.Ingress, source certSource, def *tls.Certificate) (*certStore, error) {
	s := &certStore{exact: map[string]*tls.Certificate{}, wildcard: map[string]*tls.Certificate{}}
	seen := map[*tls.Certificate]bool{}
	var errs []error
	for _, ing := range ingresses {
		for _, t := range ing.Spec.TLS {
			if t.SecretName == "" {
				continue
			}
			cert, err := source(ing.Namespace, t.SecretName)
			if err != nil {
				errs = append(errs, fmt.Errorf("ingress %s/%s: tls secret %s: %w", ing.Namespace, ing.Name, t.SecretName, err))
				continue
			}
			if !seen[cert] {
				seen[cert] = true
				s.count++
			}
			if s.fallback == nil {
				s.fallback = cert
			}
			for _, h := range t.Hosts {
				hp := parseHostPattern(h)
				switch {
				case hp.any:
				case hp.wildcard:
					setCertOnce(s.wildcard, hp.key, cert)
				default:
					setCertOnce(s.exact, hp.key, cert)
				}
			}
		}
	}
	if s.fallback == nil {
		s.fallback = def
	}
	return s, errors.Join(errs...)
}

func setCertOnce(m map[string]*tls.Certificate, k string, c *tls.Certificate) {
	if _, ok := m[k]; !ok {
		m[k] = c
	}
}

// lookup returns the certificate for an SNI server name: exact host, then
// wildcard, then the fallback. It is nil only if there is no certificate
// at all.
func (s *certStore) lookup(serverName string) *tls.Certificate {
	host := canonicalHost(serverName)
	if c, ok := s.exact[host]; ok {
		return c
	}
	if parent, ok := wildcardParent(host); ok {
		if c, ok := s.wildcard[parent]; ok {
			return c
		}
	}
	return s.fallback
}

// parseTLSSecret parses the tls.crt and tls.key of a Secret. The Secret's
// type is not checked (ingress-nginx does not either): the keys are what
// matter.
func parseTLSSecret(s *corev1.Secret) (*tls.Certificate, error) {
	crt, key := s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey]
	if len(crt) == 0 || len(key) == 0 {
		return nil, fmt.Errorf("missing %s or %s", corev1.TLSCertKey, corev1.TLSPrivateKeyKey)
	}
	cert, err := tls.X509KeyPair(crt, key)
	if err != nil {
		return nil, fmt.Errorf("parse key pair: %w", err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
	}
	return &cert, nil
}

// selfSigned makes the certificate served when no Ingress configures one.
// Clients cannot verify it; it only lets a TLS handshake complete.
func selfSigned(now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: defaultCertName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
