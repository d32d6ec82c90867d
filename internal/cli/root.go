// Package cli is the marina command line: one cobra command per mode
// (server, up, kubectl, version, secrets), each mapping flags onto a typed
// configuration and handing it to the package that does the work.
package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
)

// DataDirEnv overrides the default data directory.
const DataDirEnv = "MARINA_DATA_DIR"

// Main runs the marina command with args and returns the exit code.
func Main(args []string) int {
	root := newRoot()
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "marina:", err)
		return 1
	}
	return 0
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "marina",
		Short:         "Marina: a container and service orchestrator that speaks the Kubernetes API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServerCommand())
	root.AddCommand(newUpCommand())
	root.AddCommand(newAgentCommand())
	root.AddCommand(newKubectlCommand())
	root.AddCommand(newVersionCommand())
	root.AddCommand(newSecretsCommand())
	return root
}

// defaultDataDir is $MARINA_DATA_DIR, else ~/.marina.
func defaultDataDir() string {
	if d := os.Getenv(DataDirEnv); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".marina"
	}
	return filepath.Join(home, ".marina")
}

// newLogger returns the process logger at level and sends the Kubernetes
// libraries' klog output through it.
func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
	klog.SetSlogLogger(logger)
	return logger, nil
}

// signalContext ends on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
