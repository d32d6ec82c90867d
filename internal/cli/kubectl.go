package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/marina-orchestrator/marina/internal/pki"
)

// newKubectlCommand runs the real kubectl, built in. Without KUBECONFIG it
// uses the kubeconfig of the default data directory.
func newKubectlCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "kubectl [kubectl arguments]",
		Short:              "Run kubectl against Marina (uses " + DataDirEnv + "/kubeconfig.yaml unless KUBECONFIG is set)",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv("KUBECONFIG") == "" {
				os.Setenv("KUBECONFIG", filepath.Join(defaultDataDir(), pki.Kubeconfig))
			}
			kubectl := kubectlcmd.NewDefaultKubectlCommandWithArgs(kubectlcmd.KubectlOptions{
				PluginHandler: kubectlcmd.NewDefaultPluginHandler(nil),
				Arguments:     append([]string{"kubectl"}, args...),
				ConfigFlags:   nil,
				IOStreams:     ioStreams(),
			})
			kubectl.SetArgs(args)
			// kubectl reports its own errors and exit codes, as it does standalone.
			cmdutil.CheckErr(kubectl.Execute())
			return nil
		},
	}
}
