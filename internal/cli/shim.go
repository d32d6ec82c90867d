package cli

import (
	"github.com/spf13/cobra"

	"github.com/marina-orchestrator/marina/internal/runtime/process"
)

// newShimCommand is the process runtime's per-container supervisor; the
// agent starts it, users never do.
func newShimCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "shim",
		Short:  "Supervise one process-runtime container (started by the agent)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE:   func(cmd *cobra.Command, _ []string) error { return process.RunShim(dir) },
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the container's directory")
	return cmd
}
