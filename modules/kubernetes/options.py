"""Options of the Kubernetes (EKS) constructs, beside them; no framework import.

Also the table of Kubernetes versions EKS supports, with their support dates, and the
checks that settings validation and the constructs share (``*_problem`` functions return
``(field, value, problem, fix)`` or ``None``).

Support dates: the Amazon EKS user guide, "Kubernetes version lifecycle on EKS" (standard
support is 14 months from release on EKS, extended support 12 more months at an extra
per-cluster-hour charge). After extended support ends AWS no longer creates clusters of that
version and upgrades existing ones. Add a row when AWS releases a version, never a guess.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from modules.aws_limits import instance_type_problem, time_zone_problem


class KubernetesVersion(NamedTuple):
    standard_support_until: date
    extended_support_until: date


KUBERNETES_VERSIONS: dict[str, KubernetesVersion] = {
    "1.28": KubernetesVersion(date(2024, 11, 26), date(2025, 11, 26)),
    "1.29": KubernetesVersion(date(2025, 3, 23), date(2026, 3, 23)),
    "1.30": KubernetesVersion(date(2025, 7, 23), date(2026, 7, 23)),
    "1.31": KubernetesVersion(date(2025, 11, 26), date(2026, 11, 26)),
    "1.32": KubernetesVersion(date(2026, 3, 23), date(2027, 3, 23)),
    "1.33": KubernetesVersion(date(2026, 7, 29), date(2027, 7, 29)),
    "1.34": KubernetesVersion(date(2026, 12, 2), date(2027, 12, 2)),
    "1.35": KubernetesVersion(date(2027, 3, 27), date(2028, 3, 27)),
}
DEFAULT_KUBERNETES_VERSION = "1.35"
"""The newest version the pinned provider accepts (any version string is passed through; 1.35 is
the newest EKS offers as of 2026-11)."""

CORE_ADDONS = ("vpc-cni", "eks-pod-identity-agent", "kube-proxy", "coredns")
"""The add-ons every cluster gets. ``vpc-cni`` and ``eks-pod-identity-agent`` are created with the
cluster (nodes need the CNI to become ready); ``kube-proxy`` and ``coredns`` after the first node
group (their pods need nodes, and an add-on waits until it is ACTIVE)."""

ADDON_VERSIONS: dict[str, dict[str, str]] = {
    "1.35": {"vpc-cni": "v1.20.4-eksbuild.2", "eks-pod-identity-agent": "v1.3.9-eksbuild.5",
             "kube-proxy": "v1.35.0-eksbuild.2", "coredns": "v1.12.4-eksbuild.1",
             "aws-ebs-csi-driver": "v1.64.0-eksbuild.1"},
    "1.34": {"vpc-cni": "v1.20.4-eksbuild.2", "eks-pod-identity-agent": "v1.3.9-eksbuild.5",
             "kube-proxy": "v1.34.1-eksbuild.2", "coredns": "v1.12.4-eksbuild.1",
             "aws-ebs-csi-driver": "v1.64.0-eksbuild.1"},
    "1.33": {"vpc-cni": "v1.20.4-eksbuild.2", "eks-pod-identity-agent": "v1.3.9-eksbuild.5",
             "kube-proxy": "v1.33.5-eksbuild.2", "coredns": "v1.12.4-eksbuild.1",
             "aws-ebs-csi-driver": "v1.64.0-eksbuild.1"},
    "1.32": {"vpc-cni": "v1.20.4-eksbuild.2", "eks-pod-identity-agent": "v1.3.9-eksbuild.5",
             "kube-proxy": "v1.32.9-eksbuild.2", "coredns": "v1.11.4-eksbuild.24",
             "aws-ebs-csi-driver": "v1.64.0-eksbuild.1"},
}
"""Pinned add-on versions per Kubernetes version (what ``aws eks describe-addon-versions
--kubernetes-version <v> --addon-name <name>`` listed as the default when recorded). Pinned, so
an apply never upgrades an add-on by surprise; bump them with the cluster version, or override
one in ``EksClusterOptions.addon_versions``. ``aws-ebs-csi-driver``: the driver's release v1.64.0
(2026-08, kubernetes-sigs/aws-ebs-csi-driver), which supports Kubernetes 1.32 to 1.35; EKS's first
build of it — check with ``describe-addon-versions`` before an upgrade."""

STORAGE_ADDON = "aws-ebs-csi-driver"
"""The add-on that provisions EBS volumes for persistent volume claims (``storage_driver``)."""
STORAGE_ADDON_SERVICE_ACCOUNT = ("kube-system", "ebs-csi-controller-sa")
"""The namespace and service account of the driver's controller: its Pod Identity association."""
STORAGE_ADDON_POLICY = "service-role/AmazonEBSCSIDriverPolicy"
"""AWS's managed policy for the EBS CSI driver (volumes and snapshots of the driver's own tags)."""

NEWEST_COREDNS_MINOR: dict[str, str] = {"1.32": "1.11", "1.33": "1.12", "1.34": "1.12", "1.35": "1.12"}
"""The newest CoreDNS minor EKS offers as an add-on for each Kubernetes version (Amazon EKS user guide,
"Manage CoreDNS", the table of the latest add-on version per Kubernetes version, as of 2026-11).
kube-proxy needs no table: EKS offers kube-proxy builds of the cluster's own minor only (v1.33.x for
1.33, "Manage kube-proxy"). vpc-cni and eks-pod-identity-agent releases support every version in
:data:`KUBERNETES_VERSIONS`."""

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every control-plane log type EKS can send to CloudWatch Logs."""

AMI_TYPES = ("AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD")
"""Amazon Linux 2023 AMI types of a managed node group (AL2 AMIs are no longer published for
Kubernetes 1.33 and later)."""

CAPACITY_TYPES = ("ON_DEMAND", "SPOT")

_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
_ROLE_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:role/(?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_ADDON_VERSION = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-]+$")
_TIME_ZONE = re.compile(r"^(UTC|Etc/[A-Za-z0-9+-]+|[A-Z][A-Za-z_]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)$")
ANYWHERE = ipaddress.IPv4Network("0.0.0.0/0")


@dataclass(frozen=True, kw_only=True)
class EksClusterOptions:
    """The EKS control plane."""

    version: str = DEFAULT_KUBERNETES_VERSION
    """Kubernetes ``major.minor``. Defaults to 1.35, the newest in standard support; a version in
    extended support is built with a note (extra cost per cluster hour); a version past extended
    support (1.28 ... 1.31 as of 2026-11-30) is refused."""
    endpoint_public_access: bool = False
    """Expose the API server endpoint on the internet too. Defaults to off: the endpoint is
    private (reached from the VPC: a bastion, a VPN, CI runners inside the VPC)."""
    public_access_cidrs: tuple[str, ...] = ()
    """Networks allowed to the public endpoint (required with ``endpoint_public_access``; never
    ``0.0.0.0/0`` in prod). Defaults to none."""
    admin_roles: tuple[str, ...] = ()
    """IAM roles (names in this account, or full ARNs) given cluster-admin access through EKS
    access entries (API authentication mode; no aws-auth ConfigMap). At least one is required:
    the identity that creates the cluster gets no access of its own."""
    addon_versions: dict[str, str] = field(default_factory=dict)
    """Add-on name -> version overriding ``ADDON_VERSIONS[version]``. Defaults to none: the table."""
    log_retention_days: int | None = None
    """Retention of the control-plane log group. Defaults to the environment's log retention."""
    storage_driver: bool = True
    """The ``aws-ebs-csi-driver`` add-on with its Pod Identity role (AWS's
    ``AmazonEBSCSIDriverPolicy``), so persistent volume claims get EBS volumes (encrypted gp3 through
    the storage class the system documents). Defaults to on: without it a claim stays Pending."""

    def effective_addon_versions(self) -> dict[str, str]:
        return {**ADDON_VERSIONS.get(self.version, {}), **self.addon_versions}


@dataclass(frozen=True, kw_only=True)
class IngressOptions:
    """The way in: the ALB the AWS Load Balancer Controller creates from an Ingress."""

    ports: tuple[int, ...] = (8080, 3000)
    """Container ports the Ingress's services route to (target type ``ip``): opened on the nodes'
    group to the ALB's group only. Defaults to 8080 (backend) and 3000 (web front end)."""
    allowed_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    """Who may reach the ALB on 80/443. Defaults to the internet (a public shop)."""


@dataclass(frozen=True, kw_only=True)
class LogShipperOptions:
    """Where the cluster's container logs go, and who ships them (Fluent Bit's service account)."""

    namespace: str = "amazon-cloudwatch"
    """Namespace of the log shipper. Defaults to ``amazon-cloudwatch`` (aws-for-fluent-bit's)."""
    service_account: str = "fluent-bit"
    """Its service account, bound to the role that may write the application log group. Defaults to ``fluent-bit``."""
    retention_days: int | None = None
    """Retention of the application log group. Defaults to the environment's log retention."""


_K8S_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def platform_problems(ingress: IngressOptions, logs: LogShipperOptions) -> list[tuple[str, object, str, str]]:
    """``(field, value, problem, fix)`` for every wrong ingress or log-shipper option."""
    found: list[tuple[str, object, str, str]] = []
    if not ingress.ports:
        found.append(("ingress.ports", (), "the ALB would reach no pod", "list the containers' ports, e.g. (8080, 3000)"))
    for port in ingress.ports:
        if not isinstance(port, int) or not 1 <= port <= 65535:
            found.append(("ingress.ports", port, "not a TCP port", "use 1-65535"))
    for cidr in ingress.allowed_cidrs:
        try:
            ipaddress.IPv4Network(cidr)
        except ValueError:
            found.append(("ingress.allowed_cidrs", cidr, "not an IPv4 CIDR block", "write it like '203.0.113.0/24'"))
    for name in ("namespace", "service_account"):
        value = getattr(logs, name)
        if not isinstance(value, str) or not _K8S_NAME.match(value):
            found.append((f"log_shipper.{name}", value, "not a Kubernetes name (lowercase, digits, '-', 63 at most)",
                          "write it like 'fluent-bit'"))
    if logs.retention_days is not None and logs.retention_days < 1:
        found.append(("log_shipper.retention_days", logs.retention_days, "must be at least 1 day", "use e.g. 30"))
    return found


@dataclass(frozen=True, kw_only=True)
class WorkingHoursOptions:
    """Scheduled scaling of a node group: its nodes run only in working hours."""

    scale_up: str = "0 9 * * MON-FRI"
    """Cron (minute hour day-of-month month day-of-week) when the group returns to its
    ``min_size``/``desired_size``. Defaults to 09:00 Monday to Friday."""
    scale_down: str = "0 18 * * MON-FRI"
    """Cron when the group scales to 0 nodes. Defaults to 18:00 Monday to Friday."""
    time_zone: str = "Asia/Seoul"
    """IANA time zone of both schedules. Defaults to Asia/Seoul."""


@dataclass(frozen=True, kw_only=True)
class NodeGroupOptions:
    """One EKS managed node group in the private subnets."""

    name: str = "default"
    """Short name: the group is ``<project>-<name>-<env>``. Defaults to ``default``."""
    instance_types: tuple[str, ...] = ("t3.medium",)
    """EC2 instance types (several spread a Spot group over pools). Defaults to t3.medium."""
    min_size: int = 2
    desired_size: int = 2
    """Nodes at creation; afterwards the cluster autoscaler (or the working-hours schedule) owns
    it and Terraform ignores its drift. Defaults to 2."""
    max_size: int = 4
    ami_type: str = "AL2023_x86_64_STANDARD"
    """Defaults to Amazon Linux 2023 on x86-64 (``AL2023_ARM_64_STANDARD`` for Graviton types)."""
    capacity_type: str = "ON_DEMAND"
    """``ON_DEMAND`` or ``SPOT``. Defaults to on-demand."""
    root_volume_gb: int = 20
    """Encrypted gp3 root volume of each node. Defaults to 20 GB."""
    working_hours: WorkingHoursOptions | None = None
    """Run nodes only in working hours (scale to 0 outside them). Defaults to none: always on."""


def _cron_problem(expression: str) -> str | None:
    """Why ``expression`` is not a 5-field cron that an Auto Scaling recurrence accepts."""
    if not isinstance(expression, str):
        return "not a string"
    fields = expression.split()
    if len(fields) != 5:
        return f"has {len(fields)} fields; a recurrence has 5 (minute hour day-of-month month day-of-week)"
    if not all(_CRON_FIELD.match(f) for f in fields):
        return "contains characters a cron field does not allow"
    minute, hour = fields[0], fields[1]
    if minute.isdigit() and not 0 <= int(minute) <= 59 or hour.isdigit() and not 0 <= int(hour) <= 23:
        return "minute must be 0-59 and hour 0-23"
    return None


def _minor(version: str) -> tuple[int, int] | None:
    match = re.match(r"^v?(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else None


def addon_version_problem(addon: str, version: str, cluster_version: str) -> tuple[str, str] | None:
    """``(problem, fix)`` when EKS offers no ``version`` of ``addon`` for a ``cluster_version`` cluster."""
    wanted, cluster = _minor(version), _minor(cluster_version)
    if wanted is None or cluster is None:
        return None  # the shape rule reports it
    if addon == "kube-proxy" and wanted != cluster:
        return (f"kube-proxy {version} is for Kubernetes {wanted[0]}.{wanted[1]}; EKS offers a {cluster_version} "
                f"cluster only kube-proxy {cluster_version}.x", "use the table's version for the cluster "
                f"({ADDON_VERSIONS.get(cluster_version, {}).get('kube-proxy', f'v{cluster_version}.x-eksbuild.N')}) "
                "or leave the override out")
    newest = NEWEST_COREDNS_MINOR.get(cluster_version)
    if addon == "coredns" and newest is not None and wanted > _minor(newest):
        return (f"CoreDNS {version} is newer than EKS offers for Kubernetes {cluster_version} (up to {newest}.x)",
                f"use {ADDON_VERSIONS.get(cluster_version, {}).get('coredns', f'v{newest}.x')} or leave the "
                "override out")
    return None


def version_problem(version: str, *, today: date | None = None) -> tuple[str, str] | None:
    """``(problem, fix)`` if EKS no longer creates ``version`` (or it is unknown here)."""
    today = today or date.today()
    known = KUBERNETES_VERSIONS.get(version)
    newest = max(KUBERNETES_VERSIONS, key=lambda v: tuple(map(int, v.split("."))))
    if known is None:
        return (f"not a Kubernetes version this module knows ({', '.join(KUBERNETES_VERSIONS)})",
                f"use {DEFAULT_KUBERNETES_VERSION}; add a version to modules/kubernetes/options.py once EKS offers it")
    if today > known.extended_support_until:
        return (f"EKS ended extended support for {version} on {known.extended_support_until.isoformat()}: "
                "AWS no longer creates it", f"use {newest} (in standard support until "
                f"{KUBERNETES_VERSIONS[newest].standard_support_until.isoformat()})")
    return None


def support_note(version: str, *, today: date | None = None) -> str | None:
    """A note for the synth summary when ``version`` is in (billed) extended support."""
    today = today or date.today()
    known = KUBERNETES_VERSIONS.get(version)
    if known and known.standard_support_until < today <= known.extended_support_until:
        return (f"eks: Kubernetes {version} is in EKS extended support (extra cost per cluster hour) until "
                f"{known.extended_support_until.isoformat()}; upgrade to {DEFAULT_KUBERNETES_VERSION}")
    return None


def cluster_problem(options: EksClusterOptions, *, production: bool,
                    today: date | None = None) -> tuple[str, object, str, str] | None:
    """``(field, value, problem, fix)`` for the first wrong cluster option, or ``None``."""
    if problem := version_problem(options.version, today=today):
        return ("version", options.version, *problem)
    if options.endpoint_public_access and not options.public_access_cidrs:
        return ("public_access_cidrs", (), "a public endpoint without CIDRs is open to 0.0.0.0/0",
                "list the networks that may reach the API (e.g. the office's /32), or keep the endpoint private")
    if options.public_access_cidrs and not options.endpoint_public_access:
        return ("public_access_cidrs", options.public_access_cidrs, "the endpoint is private: these would do nothing",
                "set endpoint_public_access=True, or public_access_cidrs=()")
    for cidr in options.public_access_cidrs:
        try:
            network = ipaddress.IPv4Network(cidr)
        except ValueError:
            try:
                loose = ipaddress.IPv4Network(cidr, strict=False)
            except ValueError:
                return ("public_access_cidrs", cidr, "not an IPv4 CIDR block", "write it like '203.0.113.10/32'")
            return ("public_access_cidrs", cidr, "host bits are set", f"use the network address: '{loose}'")
        if production and network.prefixlen == 0:
            return ("public_access_cidrs", cidr, "prod's API endpoint may not be open to the whole internet",
                    "list the networks that may reach it, or keep the endpoint private")
    if not options.admin_roles:
        return ("admin_roles", (), "nobody could reach the cluster: its creator gets no access of its own",
                "name at least one IAM role (e.g. 'platform-admin') to get cluster-admin access")
    for role in options.admin_roles:
        if not (_ROLE_NAME.match(role) or _ROLE_ARN.match(role)):
            return ("admin_roles", role, "not an IAM role name or role ARN",
                    "write a role name like 'platform-admin' or arn:aws:iam::<account>:role/<name>")
    pinned = (*CORE_ADDONS, STORAGE_ADDON)
    unknown = sorted(set(options.addon_versions) - set(pinned))
    if unknown:
        return ("addon_versions", unknown[0], "not one of the add-ons this module pins",
                f"override one of {', '.join(pinned)}")
    versions = options.effective_addon_versions()
    for addon in (*CORE_ADDONS, *((STORAGE_ADDON,) if options.storage_driver else ())):
        if addon not in versions:
            return ("addon_versions", options.version, f"no pinned {addon} version for Kubernetes {options.version}",
                    f"set addon_versions={{'{addon}': 'v...-eksbuild.N'}} (aws eks describe-addon-versions)")
        if not _ADDON_VERSION.match(versions[addon]):
            return ("addon_versions", versions[addon], f"not an EKS add-on version of {addon}",
                    "write it like 'v1.20.4-eksbuild.2'")
        if problem := addon_version_problem(addon, versions[addon], options.version):
            return (f"addon_versions[{addon!r}]", versions[addon], *problem)
    if options.log_retention_days is not None and options.log_retention_days < 1:
        return ("log_retention_days", options.log_retention_days, "must be at least 1 day", "use e.g. 30")
    return None


def node_group_problem(options: NodeGroupOptions) -> tuple[str, object, str, str] | None:
    """``(field, value, problem, fix)`` for the first wrong node-group option, or ``None``."""
    o = options
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,30}[a-z0-9]", o.name):
        return ("name", o.name, "not a short lowercase name", "use e.g. 'default'")
    if not o.instance_types:
        return ("instance_types", (), "a node group needs an instance type", "use e.g. ('t3.medium',)")
    for instance_type in o.instance_types:
        if not _INSTANCE_TYPE.match(instance_type):
            return ("instance_types", instance_type, "not an EC2 instance type", "write it like 't3.medium'")
    if o.min_size < 0 or o.max_size < 1:
        return ("max_size", o.max_size, "sizes are counts of nodes (min >= 0, max >= 1)", "use e.g. min 2, max 4")
    if o.min_size > o.max_size:
        return ("min_size", o.min_size, f"larger than max_size ({o.max_size})",
                f"set min_size <= max_size, e.g. min_size={o.max_size}")
    if not o.min_size <= o.desired_size <= o.max_size:
        return ("desired_size", o.desired_size, f"outside min_size..max_size ({o.min_size}..{o.max_size})",
                "set desired_size between them")
    if o.ami_type not in AMI_TYPES:
        return ("ami_type", o.ami_type, "not an Amazon Linux 2023 AMI type", f"use one of {', '.join(AMI_TYPES)}")
    arm = o.ami_type.startswith("AL2023_ARM")
    for instance_type in o.instance_types:
        graviton = re.match(r"^[a-z]+\d+g[a-z]*\.", instance_type) is not None
        if graviton != arm:
            return ("instance_types", instance_type, f"does not run the {o.ami_type} AMI",
                    "use x86-64 types with AL2023_x86_64_STANDARD and Graviton (…g) types with AL2023_ARM_64_STANDARD")
    if o.capacity_type not in CAPACITY_TYPES:
        return ("capacity_type", o.capacity_type, "not a capacity type", "use 'ON_DEMAND' or 'SPOT'")
    if not 8 <= o.root_volume_gb <= 16384:
        return ("root_volume_gb", o.root_volume_gb, "outside 8-16384 GB", "use e.g. 20")
    if o.working_hours is not None:
        w = o.working_hours
        for name in ("scale_up", "scale_down"):
            if problem := _cron_problem(getattr(w, name)):
                return (f"working_hours.{name}", getattr(w, name), problem, "write it like '0 9 * * MON-FRI'")
        if w.scale_up == w.scale_down:
            return ("working_hours.scale_down", w.scale_down, "the same time as scale_up",
                    "scale down at the end of working hours, e.g. '0 18 * * MON-FRI'")
        if not _TIME_ZONE.match(w.time_zone) or time_zone_problem(w.time_zone):
            problem, fix = time_zone_problem(w.time_zone) or ("not an IANA time zone", "use e.g. 'Asia/Seoul'")
            return ("working_hours.time_zone", w.time_zone, problem, fix)
    return None


def node_group_region_problem(options: NodeGroupOptions, region: str) -> tuple[str, object, str, str] | None:
    """``(field, value, problem, fix)`` for an instance type EC2 lacks, or does not offer in ``region``."""
    for i, instance_type in enumerate(options.instance_types):
        if _INSTANCE_TYPE.match(instance_type) and (problem := instance_type_problem(instance_type, region)):
            return (f"instance_types[{i}]", instance_type, *problem)
    return None
