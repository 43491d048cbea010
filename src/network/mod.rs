//! Network: where compute runs, which AWS services it reaches and through which endpoints,
//! what is open to the internet, which data stores the internet reaches, and every public
//! edge with its TLS, HTTP handling, HSTS, WAF and authentication.
//!
//! Both languages are read through the same paths: Terraform attribute names (nested blocks
//! are lists of maps, `vpc_config[0].subnet_ids`) and CloudFormation property names
//! (`VpcConfig.SubnetIds`). Configuration written as separate resources (security group
//! rules, routes, associations, public access blocks, bucket policies) is found through the
//! model's facets. Provider defaults are applied where the setting is absent, and every
//! result says so; a value the tree cannot settle stays unknown with its reason, never read
//! as the good case.
//!
//! - [`placement`]: Lambda functions, ECS services (and task definitions no service runs),
//!   EC2 instances: no VPC, or which subnets, routing to an internet gateway or NAT (or a
//!   default route elsewhere: a transit gateway, a peering connection), public IP.
//! - [`endpoints`]: for compute in a VPC, the services its role's grants and environment
//!   point at, and whether the VPC has an endpoint for each; [`reach_outside_vpc`]: the same
//!   services for compute outside any VPC (or whose placement cannot be read).
//! - [`open_ingress`]: declared security group rules and network ACL entries open to
//!   `0.0.0.0/0` or `::/0`.
//! - [`public_datastores`]: RDS, S3, OpenSearch, Redshift and Amazon MQ exposure.
//! - [`public_edges`]: CloudFront, load balancers, REST / HTTP APIs, function URLs.

mod accelerator;
mod datastores;
mod edges;
mod endpoints;
mod ingress;
mod placement;
pub mod util;

pub use accelerator::accelerated_by;
pub use datastores::{open_statements, public_datastores, Exposure, ExposureFinding};
pub use edges::{
    elb_action_authenticates, elb_policy_min_1_2, public_edges, EdgeKind, EdgeRoute, Http,
    PublicEdge, Tls,
};
pub use endpoints::{
    endpoint_service_prefix, endpoints, endpoints_with, reach_outside_vpc, EndpointState,
    ReachReason, ServiceReach,
};
pub use ingress::{
    internet_facing_lb, is_internet_facing_lb, open_ingress, Layer, OpenRule, Ports,
};
pub use placement::{placement, Network, Placement, Routing, SubnetPlacement, Where};
pub use util::Evidence;
