package pki

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestEnsureCreatesOnceAndReuses(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	m1, err := Ensure(dir, []string{"127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{CACert, CAKey, ServerCert, ServerKey, AdminCert, AdminKey, AdminToken, JoinToken} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s not created: %v", f, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", f, fi.Mode())
		}
	}
	m2, err := Ensure(dir, []string{"127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !m1.CA.Equal(m2.CA) || m1.AdminToken != m2.AdminToken || m1.JoinToken != m2.JoinToken {
		t.Error("a second start replaced the CA or the tokens")
	}
}

func TestServingCertificateFollowsTheListenAddress(t *testing.T) {
	dir := t.TempDir()
	if _, err := Ensure(dir, []string{"127.0.0.1"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	m, err := Ensure(dir, []string{"10.1.2.3"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := loadPair(filepath.Join(dir, ServerCert), filepath.Join(dir, ServerKey))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(cert.IPAddresses, net.ParseIP("10.1.2.3").Equal) {
		t.Errorf("serving certificate covers %v, want 10.1.2.3", cert.IPAddresses)
	}
	roots := x509.NewCertPool()
	roots.AddCert(m.CA)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost"}); err != nil {
		t.Errorf("serving certificate does not verify for localhost: %v", err)
	}
}

func TestServerURL(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"127.0.0.1:6443", "https://127.0.0.1:6443"},
		{"0.0.0.0:6443", "https://127.0.0.1:6443"},
		{":7000", "https://127.0.0.1:7000"},
		{"[::1]:6443", "https://[::1]:6443"},
	}
	for _, tc := range tests {
		if got, err := ServerURL(tc.listen); err != nil || got != tc.want {
			t.Errorf("ServerURL(%q) = %q, %v; want %q", tc.listen, got, err, tc.want)
		}
	}
}

func TestSelfSignedIsMadeOnceAndPinnable(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "a.crt"), filepath.Join(dir, "a.key")
	now := time.Now()
	first, err := EnsureSelfSigned(cert, key, "agent@n1", []string{"n1", "10.0.0.5"}, now)
	if err != nil {
		t.Fatal(err)
	}
	again, err := EnsureSelfSigned(cert, key, "agent@n1", []string{"n1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if Fingerprint(first.Certificate[0]) != Fingerprint(again.Certificate[0]) {
		t.Error("a valid certificate was replaced")
	}
	parsed, err := x509.ParseCertificate(first.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if parsed.CheckSignature(parsed.SignatureAlgorithm, parsed.RawTBSCertificate, parsed.Signature) != nil || parsed.Subject.CommonName != "agent@n1" || !slices.Contains(parsed.DNSNames, "n1") {
		t.Errorf("not a self-signed certificate for agent@n1 and n1: %+v", parsed.Subject)
	}
	// Close to expiry it is renewed, with a new fingerprint.
	renewed, err := EnsureSelfSigned(cert, key, "agent@n1", nil, parsed.NotAfter.Add(-time.Hour))
	if err != nil || Fingerprint(renewed.Certificate[0]) == Fingerprint(first.Certificate[0]) {
		t.Errorf("not renewed near expiry: %v", err)
	}
}
