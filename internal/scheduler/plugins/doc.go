// Package plugins holds the scheduler's plugins, one package each, after
// kube-scheduler's. Every package exports Name and a constructor; every
// plugin is pure (it reads the pod, the node and its cycle state).
//
// The filters, and the reasons the failure summary counts:
//
//	noderuntime     NodeRuntime      node(s) did not offer runtime "docker"                      UnschedulableAndUnresolvable
//	nodeready       NodeReady        node(s) were unschedulable / node(s) were not ready          UnschedulableAndUnresolvable
//	nodeaffinity    NodeAffinity     node(s) didn't match Pod's node affinity/selector            UnschedulableAndUnresolvable
//	tainttoleration TaintToleration  node(s) had untolerated taint {dedicated: gpu}               UnschedulableAndUnresolvable
//	nodeports       NodePorts        node(s) didn't have free ports for the requested pod ports   Unschedulable
//	noderesources   NodeResourcesFit Too many pods, Insufficient cpu, Insufficient memory,        Unschedulable (Unresolvable when
//	                                 Insufficient ephemeral-storage, Insufficient nvidia.com/gpu  the pod outsizes the whole node)
//	podtopologyspread PodTopologySpread  node(s) didn't match pod topology spread constraints     Unschedulable
//	                                     node(s) didn't match pod topology spread constraints
//	                                     (missing required label)                                 UnschedulableAndUnresolvable
//	interpodaffinity InterPodAffinity    node(s) didn't match pod affinity rules                  UnschedulableAndUnresolvable
//	                                     node(s) didn't match pod anti-affinity rules             Unschedulable
//	                                     node(s) didn't satisfy existing pods anti-affinity rules Unschedulable
//
// The plugins are assembled into a profile, in this order, by
// internal/scheduler/config.
//
// The scores (all in [0, 100] after normalizing):
//
//	noderesources   NodeResourcesFit                LeastAllocated (default) or MostAllocated over cpu and memory
//	noderesources   NodeResourcesBalancedAllocation 100 × (1 − standard deviation of the cpu and memory shares)
//	nodeaffinity    NodeAffinity                    sum of matching preferred terms' weights, scaled to the best node
//	tainttoleration TaintToleration                 untolerated PreferNoSchedule taints, fewer is better
//	podtopologyspread PodTopologySpread             matching pods per topology domain (log-weighted), fewer is better;
//	                                                pods without constraints spread by controller owner over hostnames and zones
//	interpodaffinity InterPodAffinity               preferred terms' weights (+affinity, −anti-affinity) and existing pods'
//	                                                terms for the pod, per topology domain; min-max scaled
//
// plugintest builds the pods and nodes their tests use.
package plugins
