package api

// Labels and annotations Marina's components agree on.
const (
	// AgentCertAnnotation on a Node carries the SHA-256 fingerprint (hex)
	// of its agent API's self-signed serving certificate. The agent sets
	// it when it registers; the API server connects only to an agent that
	// presents that certificate.
	AgentCertAnnotation = "marina.io/agent-serving-cert-sha256"
)
