package cli

import (
	"github.com/spf13/cobra"

	"github.com/marina-orchestrator/marina/internal/runtime/process"
)

// newShimCommand is the process runtime's per-container supervisor; the
// agent starts it, users never do.
func newShimCommand() *cobra.Command {
	var dir string
	var init bool
	cmd := &cobra.Command{
		Use:    "shim",
		Short:  "Supervise one process-runtime container (started by the agent)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if init {
				return process.RunInit(dir)
			}
			return process.RunShim(dir)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the container's directory")
	cmd.Flags().BoolVar(&init, "init", false, "be the container's first process: mount its volumes, become its user, execute its command")
	return cmd
}
