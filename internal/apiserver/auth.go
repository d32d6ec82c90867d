package apiserver

import (
	"crypto/x509"

	apiserverapi "k8s.io/apiserver/pkg/apis/apiserver"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/group"
	"k8s.io/apiserver/pkg/authentication/request/anonymous"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	"k8s.io/apiserver/pkg/authentication/request/union"
	x509request "k8s.io/apiserver/pkg/authentication/request/x509"
	"k8s.io/apiserver/pkg/authentication/token/tokenfile"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/marina-orchestrator/marina/internal/pki"
)

// publicPaths may be read without credentials: health and version, as the
// brief asks. Everything else answers 401 to anonymous requests.
var publicPaths = []string{"/healthz", "/livez", "/readyz", "/version"}

// NodeGroup is the group of agents that joined with the join token.
const NodeGroup = "system:nodes"

// newAuthenticator accepts client certificates signed by Marina's CA (user
// = CN, groups = O), the admin and join bearer tokens, and anonymous
// requests to the public paths. A request that presents bad credentials
// is rejected, never downgraded to anonymous.
func newAuthenticator(m *pki.Material) authenticator.Request {
	roots := x509.NewCertPool()
	roots.AddCert(m.CA)
	certs := x509request.New(x509.VerifyOptions{
		Roots:     roots,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, x509request.CommonNameUserConversion)
	tokens := bearertoken.New(tokenfile.New(map[string]*user.DefaultInfo{
		m.AdminToken: {Name: pki.AdminUser, UID: pki.AdminUser, Groups: []string{pki.AdminGroup}},
		m.JoinToken:  {Name: "marina-node-bootstrap", UID: "marina-node-bootstrap", Groups: []string{NodeGroup}},
	}))
	var conditions []apiserverapi.AnonymousAuthCondition
	for _, p := range publicPaths {
		conditions = append(conditions, apiserverapi.AnonymousAuthCondition{Path: p})
	}
	authenticated := group.NewAuthenticatedGroupAdder(union.New(newCertCache(certs), tokens))
	return union.NewFailOnError(authenticated, anonymous.NewAuthenticator(conditions))
}
