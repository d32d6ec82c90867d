package encryption

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// StatusFileName records the last completed re-encryption in the data dir.
const StatusFileName = "encryption-status.json"

// Status says which key all secrets were last re-encrypted with.
type Status struct {
	Primary     string    `json:"primary"`
	Reencrypted int       `json:"reencrypted"`
	At          time.Time `json:"at"`
}

// WriteStatus records a completed re-encryption.
func WriteStatus(dir string, s Status) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, StatusFileName)
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return fmt.Errorf("write encryption status: %w", err)
	}
	return os.Rename(path+".tmp", path)
}

// ReadStatus reads the last recorded re-encryption.
func ReadStatus(dir string) (Status, error) {
	var s Status
	b, err := os.ReadFile(filepath.Join(dir, StatusFileName))
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}
