#!/usr/bin/env python3
"""Writes a deterministic Terraform tree with many IAM roles, for benchmarking `vouch access`.

The tree looks like the IAM root of a large AWS account (or, with --roots K, K such roots):

    OUT/
      account-00/                  one Terraform root
        versions.tf locals.tf data.tf
        keys.tf tables.tf buckets.tf queues.tf secrets.tf
                                   the data stores the policies grant on: KMS keys with
                                   aliases, DynamoDB tables, S3 buckets (with encryption
                                   facets), SQS queues with DLQs, Secrets Manager secrets;
                                   all named `acme-prod-<domain>-NN`, so both references and
                                   ARN patterns (`arn:aws:s3:::acme-prod-orders-*`) reach them
        policies.tf                permission boundaries and one shared managed policy per domain
        roles-000.tf ...           --roles-per-file roles each (default 50), with their
                                   policies, attachments and the Lambda functions running as them

Each role has a trust policy (Lambda, ECS tasks, EC2, or another account with an ExternalId)
and about M/N identity statements spread over `jsonencode` inline policies
(`aws_iam_role_policy`), inline policies rendered from `data "aws_iam_policy_document"`,
`inline_policy` blocks, and customer managed policies (`aws_iam_policy` +
`aws_iam_role_policy_attachment`). Statements use exact actions, wildcards (`s3:Get*`,
`dynamodb:*`), NotAction, Deny, conditions, references (`aws_dynamodb_table.x.arn`,
`"${aws_s3_bucket.x.arn}/*"`), ARN patterns and `*`. Some roles attach AWS managed policies
(AWSLambdaBasicExecutionRole, ReadOnlyAccess, AmazonS3ReadOnlyAccess), some have a permissions
boundary, and a quarter of them run Lambda functions (with their log groups).

`--statements M` counts identity and boundary statements written in the tree (inline, managed,
boundary; trust policy statements and AWS managed policies are not counted); the total is exact.
What was written (roles, statements, functions, per root) goes to `OUT.manifest.json`, next to
the tree. The same arguments always give the same bytes. Standard library only.

    python3 bench/generate_iam.py --roles 2000 --statements 10000 --out /tmp/iam-2000 --seed 1
"""

import argparse
import json
import os
import random
import shutil
import sys

DOMAINS = [
    "orders", "billing", "payments", "invoices", "catalog", "search", "identity", "accounts",
    "notifications", "shipping", "inventory", "pricing", "reports", "analytics", "audit",
    "ledger", "checkout", "reviews", "media", "exports",
]
COMPONENTS = [
    "api", "worker", "ingest", "sync", "export", "router", "indexer", "notifier", "reconciler",
    "scanner", "dispatcher", "aggregator", "publisher", "consumer", "cleanup", "replicator",
    "transformer", "collector", "auditor", "batcher", "deployer", "operator", "reader", "etl",
]
PREFIX = "acme-prod"
REGION = "eu-west-1"

DDB_READ = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"]
DDB_WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
             "dynamodb:BatchWriteItem"]
S3_READ = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"]
S3_WRITE = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts"]
SQS_SEND = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
SQS_RECV = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes"]
KMS_USE = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey"]
SECRET_READ = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
RUNTIMES = ["python3.12", "python3.11", "nodejs20.x", "nodejs18.x", "java21", "provided.al2023"]

LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LAMBDA_VPC = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
XRAY_WRITE = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"


def q(s):
    """A quoted HCL string."""
    return json.dumps(s)


# ------------------------------------------------------------------------------- statements
#
# A statement is a dict: sid, effect, actions or not_actions, resources (HCL expressions, already
# quoted when literal), conditions [(test, variable, [values])]. It renders both as a
# `jsonencode` object and as an `aws_iam_policy_document` statement block.

def render_json_statement(st, pad):
    p = " " * pad
    lines = [f"{p}{{"]
    if st.get("sid"):
        lines.append(f"{p}  Sid      = {q(st['sid'])}")
    lines.append(f"{p}  Effect   = {q(st['effect'])}")
    key = "NotAction" if "not_actions" in st else "Action"
    acts = st.get("not_actions") or st["actions"]
    if len(acts) == 1 and st.get("scalar"):
        lines.append(f"{p}  {key:<8} = {q(acts[0])}")
    else:
        lines.append(f"{p}  {key:<8} = [{', '.join(q(a) for a in acts)}]")
    res = st["resources"]
    if len(res) == 1 and st.get("scalar"):
        lines.append(f"{p}  Resource = {res[0]}")
    else:
        lines.append(f"{p}  Resource = [")
        for r in res:
            lines.append(f"{p}    {r},")
        lines.append(f"{p}  ]")
    if st.get("conditions"):
        by_test = {}
        for test, var, values in st["conditions"]:
            by_test.setdefault(test, []).append((var, values))
        lines.append(f"{p}  Condition = {{")
        for test, pairs in by_test.items():
            inner = ", ".join(f"{q(v)} = [{', '.join(q(x) for x in vals)}]" for v, vals in pairs)
            lines.append(f"{p}    {q(test)} = {{ {inner} }}")
        lines.append(f"{p}  }}")
    lines.append(f"{p}}},")
    return "\n".join(lines)


def render_jsonencode(statements, pad):
    p = " " * pad
    body = "\n".join(render_json_statement(s, pad + 4) for s in statements)
    return (f"jsonencode({{\n{p}  Version = \"2012-10-17\"\n{p}  Statement = [\n{body}\n"
            f"{p}  ]\n{p}}})")


def render_document(name, statements):
    out = [f'data "aws_iam_policy_document" "{name}" {{']
    for st in statements:
        out.append("  statement {")
        if st.get("sid"):
            out.append(f"    sid    = {q(st['sid'])}")
        out.append(f"    effect = {q(st['effect'])}")
        key = "not_actions" if "not_actions" in st else "actions"
        acts = st.get("not_actions") or st["actions"]
        out.append(f"    {key} = [{', '.join(q(a) for a in acts)}]")
        out.append("    resources = [")
        for r in st["resources"]:
            out.append(f"      {r},")
        out.append("    ]")
        for test, var, values in st.get("conditions", []):
            out.append("")
            out.append("    condition {")
            out.append(f"      test     = {q(test)}")
            out.append(f"      variable = {q(var)}")
            out.append(f"      values   = [{', '.join(q(v) for v in values)}]")
            out.append("    }")
        out.append("  }")
        out.append("")
    if out[-1] == "":
        out.pop()
    out.append("}")
    return "\n".join(out)


class Root:
    """One Terraform root: its data stores, and a statement factory over them."""

    def __init__(self, rng, index, per_kind):
        self.rng = rng
        self.index = index
        self.per_kind = per_kind
        self.domains = DOMAINS
        # Resources of each kind by domain: list of (address, name).
        self.stores = {k: {d: [] for d in DOMAINS} for k in
                       ("key", "table", "bucket", "queue", "secret")}
        for kind in self.stores:
            for i in range(per_kind):
                d = DOMAINS[i % len(DOMAINS)]
                n = i // len(DOMAINS) + 1
                self.stores[kind][d].append((f"{d}_{n:02d}", f"{PREFIX}-{d}-{n:02d}"))
        self.functions = []  # (address, role address)

    def one(self, kind, domain):
        items = self.stores[kind][domain] or [x for v in self.stores[kind].values() for x in v]
        return self.rng.choice(items)

    def other_domain(self, domain):
        return self.rng.choice(self.domains) if self.rng.random() < 0.25 else domain

    def statement(self, domain, sid):
        """One realistic identity statement for a role of `domain`."""
        rng = self.rng
        d = self.other_domain(domain)
        kind = rng.choices(
            ["ddb_ref", "ddb_pattern", "s3_ref", "s3_pattern", "sqs_ref", "sqs_pattern",
             "kms_ref", "kms_alias", "kms_via", "secret_ref", "secret_pattern", "logs",
             "star_read", "deny", "deny_cond", "deny_notaction", "allow_notaction"],
            weights=[14, 5, 12, 5, 10, 3, 6, 2, 3, 6, 3, 4, 6, 4, 3, 2, 0.3])[0]
        st = {"sid": sid, "effect": "Allow", "conditions": []}
        if kind == "ddb_ref":
            tables = {self.one("table", d)[0] for _ in range(rng.randint(1, 3))}
            st["actions"] = sorted(rng.sample(DDB_READ, rng.randint(2, 5)) +
                                   (rng.sample(DDB_WRITE, rng.randint(1, 3))
                                    if rng.random() < 0.6 else []))
            res = []
            for t in sorted(tables):
                res.append(f"aws_dynamodb_table.{t}.arn")
                if rng.random() < 0.5:
                    res.append(q(f"${{aws_dynamodb_table.{t}.arn}}/index/*"))
            st["resources"] = res
            if rng.random() < 0.15:
                # `$${` is HCL's escape for the IAM policy variable `${aws:PrincipalTag/tenant}`.
                st["conditions"].append(("ForAllValues:StringEquals", "dynamodb:LeadingKeys",
                                         ["$${aws:PrincipalTag/tenant}"]))
        elif kind == "ddb_pattern":
            st["actions"] = rng.choice([["dynamodb:*"], ["dynamodb:Get*", "dynamodb:Query"],
                                        ["dynamodb:Describe*", "dynamodb:List*"]])
            st["resources"] = [
                q(f"arn:${{local.partition}}:dynamodb:{REGION}:${{local.account_id}}:table/{PREFIX}-{d}-*"),
                q(f"arn:${{local.partition}}:dynamodb:{REGION}:${{local.account_id}}:table/{PREFIX}-{d}-*/index/*"),
            ]
        elif kind == "s3_ref":
            b = self.one("bucket", d)[0]
            st["actions"] = rng.choice([["s3:Get*", "s3:List*"], S3_READ, S3_READ + S3_WRITE,
                                        ["s3:PutObject", "s3:PutObjectTagging"]])
            st["resources"] = [f"aws_s3_bucket.{b}.arn", q(f"${{aws_s3_bucket.{b}.arn}}/*")]
            if rng.random() < 0.2:
                st["conditions"].append(("StringLike", "s3:prefix", [f"{d}/*", "shared/*"]))
        elif kind == "s3_pattern":
            st["actions"] = rng.choice([["s3:GetObject", "s3:PutObject"], ["s3:Get*"],
                                        ["s3:*"], ["s3:ListBucket", "s3:GetObject"]])
            st["resources"] = [q(f"arn:aws:s3:::{PREFIX}-{d}-*"),
                               q(f"arn:aws:s3:::{PREFIX}-{d}-*/*")]
        elif kind == "sqs_ref":
            qs = sorted({self.one("queue", d)[0] for _ in range(rng.randint(1, 2))})
            st["actions"] = rng.choice([SQS_SEND, SQS_RECV, SQS_SEND + SQS_RECV[:2]])
            st["resources"] = [f"aws_sqs_queue.{x}.arn" for x in qs]
        elif kind == "sqs_pattern":
            st["actions"] = rng.choice([["sqs:*"], ["sqs:SendMessage*"], ["sqs:Get*"]])
            st["resources"] = [q(f"arn:aws:sqs:{REGION}:${{local.account_id}}:{PREFIX}-{d}-*")]
        elif kind == "kms_ref":
            k = self.one("key", d)[0]
            st["actions"] = sorted(rng.sample(KMS_USE, rng.randint(1, 4)))
            st["resources"] = [f"aws_kms_key.{k}.arn"]
        elif kind == "kms_alias":
            st["actions"] = ["kms:Decrypt", "kms:DescribeKey"]
            st["resources"] = [q(f"arn:aws:kms:{REGION}:${{local.account_id}}:alias/{PREFIX}-{d}-*")]
        elif kind == "kms_via":
            st["actions"] = ["kms:Decrypt", "kms:GenerateDataKey*"]
            st["resources"] = [q("*")]
            st["conditions"].append(("StringEquals", "kms:ViaService",
                                     [f"s3.{REGION}.amazonaws.com",
                                      f"dynamodb.{REGION}.amazonaws.com"]))
        elif kind == "secret_ref":
            s = self.one("secret", d)[0]
            st["actions"] = SECRET_READ
            st["resources"] = [f"aws_secretsmanager_secret.{s}.arn"]
        elif kind == "secret_pattern":
            st["actions"] = ["secretsmanager:GetSecretValue"]
            st["resources"] = [q(f"arn:aws:secretsmanager:{REGION}:${{local.account_id}}:secret:{PREFIX}/{d}/*")]
        elif kind == "logs":
            st["actions"] = ["logs:CreateLogStream", "logs:PutLogEvents"]
            st["resources"] = [q(f"arn:aws:logs:{REGION}:${{local.account_id}}:log-group:/aws/lambda/{PREFIX}-{d}-*:*")]
        elif kind == "star_read":
            st["actions"] = rng.choice([["cloudwatch:PutMetricData"],
                                        ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                                        ["sqs:ListQueues", "s3:ListAllMyBuckets"],
                                        ["dynamodb:ListTables", "kms:ListAliases"],
                                        ["ec2:Describe*"]])
            st["resources"] = [q("*")]
            st["scalar"] = len(st["actions"]) == 1
            if rng.random() < 0.3:
                st["conditions"].append(("StringEquals", "aws:RequestedRegion", [REGION]))
        elif kind == "deny":
            st["effect"] = "Deny"
            st["actions"] = rng.choice([["dynamodb:DeleteTable", "dynamodb:DeleteBackup"],
                                        ["s3:DeleteBucket", "s3:PutBucketPolicy"],
                                        ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
                                        ["sqs:DeleteQueue", "sqs:PurgeQueue"],
                                        ["secretsmanager:DeleteSecret"]])
            st["resources"] = [q("*")]
        elif kind == "deny_cond":
            st["effect"] = "Deny"
            st["actions"] = rng.choice([["s3:*"], ["dynamodb:Delete*"], ["s3:DeleteObject*"]])
            st["resources"] = [q("*")]
            st["conditions"].append(rng.choice([
                ("Bool", "aws:SecureTransport", ["false"]),
                ("BoolIfExists", "aws:MultiFactorAuthPresent", ["false"]),
                ("StringNotEquals", "aws:PrincipalTag/team", [d]),
            ]))
        elif kind == "deny_notaction":
            st["effect"] = "Deny"
            st["not_actions"] = ["s3:*", "dynamodb:*", "sqs:*", "kms:*", "secretsmanager:*",
                                 "logs:*", "cloudwatch:*", "xray:*"]
            st["resources"] = [q("*")]
            st["conditions"].append(("StringNotEquals", "aws:RequestedRegion", [REGION]))
        else:  # allow_notaction: a power-user style grant
            st["not_actions"] = ["iam:*", "organizations:*", "account:*"]
            st["resources"] = [q("*")]
        return st


def split(rng, n):
    """Splits n statements into 1-3 policies."""
    if n <= 1:
        return [n]
    parts = rng.choice([1, 2, 2, 3]) if n >= 3 else rng.choice([1, 2])
    cuts = sorted(rng.sample(range(1, n), parts - 1))
    bounds = [0] + cuts + [n]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


def distribute(rng, total, n, lo=1):
    """n counts of at least lo that sum to total, varying around the mean."""
    if n == 0:
        return []
    if total < lo * n:
        sys.exit(f"generate_iam.py: {total} statements cannot give {n} roles {lo} each")
    base, extra = divmod(total, n)
    counts = [base] * n
    for i in rng.sample(range(n), extra):
        counts[i] += 1
    for _ in range(2 * n):  # spread: some roles hold 1-2 statements, some 10+
        a, b = rng.randrange(n), rng.randrange(n)
        k = rng.randint(1, 3)
        if counts[a] - k >= lo:
            counts[a] -= k
            counts[b] += k
    return counts


# --------------------------------------------------------------------------------- files

def versions_tf():
    return f"""terraform {{
  required_version = ">= 1.6.0"

  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }}
  }}
}}

provider "aws" {{
  region = var.region
}}

variable "region" {{
  type    = string
  default = "{REGION}"
}}

variable "environment" {{
  type    = string
  default = "prod"
}}

variable "trusted_account_id" {{
  description = "The CI account that deploys into this one."
  type        = string
  default     = "210987654321"
}}
"""


def locals_tf():
    return f"""locals {{
  name_prefix = "acme-${{var.environment}}"
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition

  tags = {{
    Environment = var.environment
    ManagedBy   = "terraform"
  }}
}}
"""


def data_tf():
    return """data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    sid     = "LambdaService"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "ecs_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:ecs:${var.region}:${local.account_id}:*"]
    }
  }
}
"""


def stores_tf(root, kind):
    out = []
    for d in DOMAINS:
        for addr, name in root.stores[kind][d]:
            key = f"aws_kms_key.{addr}"
            if kind == "key":
                out.append(f"""resource "aws_kms_key" "{addr}" {{
  description             = "Data key of {d} ({name})"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  tags                    = local.tags
}}

resource "aws_kms_alias" "{addr}" {{
  name          = "alias/{name}"
  target_key_id = aws_kms_key.{addr}.key_id
}}
""")
            elif kind == "table":
                out.append(f"""resource "aws_dynamodb_table" "{addr}" {{
  name         = "${{local.name_prefix}}-{name[len(PREFIX) + 1:]}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {{
    name = "pk"
    type = "S"
  }}

  attribute {{
    name = "sk"
    type = "S"
  }}

  server_side_encryption {{
    enabled     = true
    kms_key_arn = {key}.arn
  }}

  point_in_time_recovery {{
    enabled = true
  }}
}}
""")
            elif kind == "bucket":
                out.append(f"""resource "aws_s3_bucket" "{addr}" {{
  bucket = "{name}"
  tags   = local.tags
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "{addr}" {{
  bucket = aws_s3_bucket.{addr}.id

  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = {key}.arn
    }}
  }}
}}
""")
            elif kind == "queue":
                out.append(f"""resource "aws_sqs_queue" "{addr}_dlq" {{
  name              = "{name}-dlq"
  kms_master_key_id = {key}.id
}}

resource "aws_sqs_queue" "{addr}" {{
  name                       = "{name}"
  visibility_timeout_seconds = 60
  kms_master_key_id          = {key}.id

  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.{addr}_dlq.arn
    maxReceiveCount     = 5
  }})
}}
""")
            elif kind == "secret":
                out.append(f"""resource "aws_secretsmanager_secret" "{addr}" {{
  name       = "{PREFIX}/{d}/{name[len(PREFIX) + 1 + len(d) + 1:]}-credentials"
  kms_key_id = {key}.arn
}}
""")
    return "\n".join(out)


BOUNDARIES = [
    ("data_services", [
        {"sid": "DataServices", "effect": "Allow", "resources": [q("*")], "conditions": [],
         "actions": ["s3:*", "dynamodb:*", "sqs:*", "kms:Decrypt", "kms:GenerateDataKey*",
                     "secretsmanager:GetSecretValue", "logs:*", "cloudwatch:PutMetricData",
                     "xray:*"]},
        {"sid": "NoIam", "effect": "Deny", "resources": [q("*")], "conditions": [],
         "actions": ["iam:*", "organizations:*", "sts:AssumeRole"]},
    ]),
    ("read_only", [
        {"sid": "ReadOnly", "effect": "Allow", "resources": [q("*")], "conditions": [],
         "actions": ["s3:Get*", "s3:List*", "dynamodb:Get*", "dynamodb:Query", "dynamodb:Scan",
                     "dynamodb:Describe*", "sqs:Get*", "sqs:List*", "kms:Decrypt",
                     "kms:Describe*", "logs:*"]},
    ]),
    ("workload", [
        {"sid": "Workload", "effect": "Allow", "resources": [q("*")], "conditions": [],
         "not_actions": ["iam:*", "organizations:*", "account:*"]},
        {"sid": "NoKeyDeletion", "effect": "Deny", "resources": [q("*")], "conditions": [],
         "actions": ["kms:ScheduleKeyDeletion", "kms:DisableKey"]},
        {"sid": "RegionLock", "effect": "Deny", "resources": [q("*")],
         "not_actions": ["iam:*", "sts:*", "cloudfront:*"],
         "conditions": [("StringNotEquals", "aws:RequestedRegion", [REGION])]},
    ]),
]


def shared_policy(root, d):
    """The statements of a domain's shared read policy."""
    t = root.stores["table"][d][0][0] if root.stores["table"][d] else None
    sts = [{"sid": "ReadDomainBuckets", "effect": "Allow", "conditions": [],
            "actions": ["s3:GetObject", "s3:ListBucket"],
            "resources": [q(f"arn:aws:s3:::{PREFIX}-{d}-*"), q(f"arn:aws:s3:::{PREFIX}-{d}-*/*")]}]
    if t:
        sts.append({"sid": "ReadDomainTable", "effect": "Allow", "conditions": [],
                    "actions": ["dynamodb:GetItem", "dynamodb:Query"],
                    "resources": [f"aws_dynamodb_table.{t}.arn"]})
    return sts


def policies_tf(root):
    out = ["# Permission boundaries and one shared managed policy per domain.\n"]
    for name, sts in BOUNDARIES:
        out.append(render_document(f"boundary_{name}", sts))
        out.append(f"""
resource "aws_iam_policy" "boundary_{name}" {{
  name   = "${{local.name_prefix}}-boundary-{name.replace('_', '-')}"
  policy = data.aws_iam_policy_document.boundary_{name}.json
}}
""")
    for d in DOMAINS:
        out.append(f"""resource "aws_iam_policy" "shared_{d}" {{
  name        = "${{local.name_prefix}}-{d}-shared-read"
  description = "Read access to the shared data of {d}"
  policy = {render_jsonencode(shared_policy(root, d), 2)}
}}
""")
    count = sum(len(s) for _, s in BOUNDARIES) + sum(len(shared_policy(root, d)) for d in DOMAINS)
    return "\n".join(out), count


def role_block(root, rng, i, counts):
    """All resources of one role. Returns (text, statements written, has function)."""
    d = DOMAINS[rng.randrange(len(DOMAINS))]
    comp = rng.choice(COMPONENTS)
    addr = f"{d}_{comp}_{i:04d}"
    name = f"{d}-{comp}-{i:04d}"
    trust = rng.choices(["lambda", "ecs", "ec2", "cross"], weights=[60, 20, 10, 10])[0]
    runs_lambda = trust == "lambda" and rng.random() < 0.42
    out = []
    docs = []  # data sources written before the role
    written = 0

    if trust == "lambda":
        assume = "data.aws_iam_policy_document.lambda_trust.json"
    elif trust == "ecs":
        assume = "data.aws_iam_policy_document.ecs_trust.json"
    elif trust == "ec2":
        assume = """jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })"""
    else:
        assume = """jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${var.trusted_account_id}:root" }
      Condition = { StringEquals = { "sts:ExternalId" = "acme-%s" } }
    }]
  })""" % name

    boundary = None
    if rng.random() < 0.15:
        boundary = rng.choice(BOUNDARIES)[0]
    parts = split(rng, counts)
    forms = [rng.choices(["inline_json", "inline_doc", "managed_json", "managed_doc",
                          "inline_block"], weights=[35, 25, 20, 15, 5])[0] for _ in parts]
    sid_n = 0

    def statements(n):
        nonlocal sid_n
        sts = []
        for _ in range(n):
            sid_n += 1
            sts.append(root.statement(d, f"S{sid_n}" if rng.random() < 0.8 else None))
        return sts

    role = [f'resource "aws_iam_role" "{addr}" {{',
            f'  name               = "${{local.name_prefix}}-{name}"',
            f"  assume_role_policy = {assume}"]
    if boundary:
        role.append(f"  permissions_boundary = aws_iam_policy.boundary_{boundary}.arn")
    role.append("  max_session_duration = 3600")
    blocks = []
    for pi, (n, form) in enumerate(zip(parts, forms)):
        sts = statements(n)
        written += n
        pname = f"{addr}_p{pi}"
        if form == "inline_block":
            blocks.append(f"""
  inline_policy {{
    name   = "{name}-p{pi}"
    policy = {render_jsonencode(sts, 4)}
  }}""")
        elif form == "inline_json":
            out.append(f"""resource "aws_iam_role_policy" "{pname}" {{
  name   = "{name}-p{pi}"
  role   = aws_iam_role.{addr}.id
  policy = {render_jsonencode(sts, 2)}
}}
""")
        elif form == "inline_doc":
            docs.append(render_document(pname, sts) + "\n")
            out.append(f"""resource "aws_iam_role_policy" "{pname}" {{
  name   = "{name}-p{pi}"
  role   = aws_iam_role.{addr}.name
  policy = data.aws_iam_policy_document.{pname}.json
}}
""")
        else:
            if form == "managed_doc":
                docs.append(render_document(pname, sts) + "\n")
                policy = f"data.aws_iam_policy_document.{pname}.json"
            else:
                policy = render_jsonencode(sts, 2)
            out.append(f"""resource "aws_iam_policy" "{pname}" {{
  name        = "${{local.name_prefix}}-{name}-p{pi}"
  description = "Access of {name}"
  policy      = {policy}
}}

resource "aws_iam_role_policy_attachment" "{pname}" {{
  role       = aws_iam_role.{addr}.name
  policy_arn = aws_iam_policy.{pname}.arn
}}
""")
    role.extend(blocks)
    role.append("")
    role.append("  tags = merge(local.tags, { Domain = \"%s\" })" % d)
    role.append("}\n")

    managed = []
    if trust == "lambda":
        managed.append(("basic", LAMBDA_BASIC if rng.random() < 0.8 else LAMBDA_VPC))
        if rng.random() < 0.2:
            managed.append(("xray", XRAY_WRITE))
    if rng.random() < 0.02:
        managed.append(("readonly", READ_ONLY))
    elif rng.random() < 0.03:
        managed.append(("s3_readonly", S3_READ_ONLY))
    if rng.random() < 0.2:
        managed.append(("shared", f"aws_iam_policy.shared_{d}.arn"))
    for tag, arn in managed:
        arn_expr = arn if arn.startswith("aws_iam_policy.") else q(arn)
        out.append(f"""resource "aws_iam_role_policy_attachment" "{addr}_{tag}" {{
  role       = aws_iam_role.{addr}.name
  policy_arn = {arn_expr}
}}
""")

    if runs_lambda:
        fname = f"{PREFIX}-{name}"
        out.append(f"""resource "aws_cloudwatch_log_group" "{addr}" {{
  name              = "/aws/lambda/{fname}"
  retention_in_days = 30
}}

resource "aws_lambda_function" "{addr}" {{
  function_name = "{fname}"
  role          = aws_iam_role.{addr}.arn
  runtime       = "{rng.choice(RUNTIMES)}"
  handler       = "{comp}.handler"
  filename      = "build/{d}-{comp}.zip"
  memory_size   = {rng.choice([128, 256, 512, 1024])}
  timeout       = {rng.choice([10, 30, 60, 300])}

  environment {{
    variables = {{
      DOMAIN    = "{d}"
      LOG_GROUP = aws_cloudwatch_log_group.{addr}.name
    }}
  }}
}}
""")
    text = "\n".join(docs + ["\n".join(role)] + out)
    return text, written, runs_lambda


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--roles", type=int, default=2000, help="roles in total (default 2000)")
    ap.add_argument("--statements", type=int, default=10000,
                    help="identity and boundary statements in total (default 10000)")
    ap.add_argument("--roots", type=int, default=1, help="Terraform roots to spread them over")
    ap.add_argument("--roles-per-file", type=int, default=50)
    ap.add_argument("--stores", type=int, default=120,
                    help="KMS keys, tables, buckets, queues and secrets of each kind, per root")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="replace OUT when it exists")
    a = ap.parse_args()
    if os.path.exists(a.out):
        if not a.force:
            sys.exit(f"generate_iam.py: {a.out} exists (use --force)")
        shutil.rmtree(a.out)
    rng = random.Random(a.seed)
    manifest = {"seed": a.seed, "roles": a.roles, "statements": 0, "roots": []}
    role_counts = [a.roles // a.roots + (1 if r < a.roles % a.roots else 0) for r in range(a.roots)]
    roots = [Root(rng, r, a.stores) for r in range(a.roots)]
    fixed = []
    policies = []
    for root in roots:
        text, n = policies_tf(root)
        policies.append(text)
        fixed.append(n)
    budget = a.statements - sum(fixed)
    per_root = [budget * c // a.roles for c in role_counts]
    per_root[0] += budget - sum(per_root)
    next_role = 0
    for r, root in enumerate(roots):
        d = os.path.join(a.out, f"account-{r:02d}")
        os.makedirs(d)
        files = {
            "versions.tf": versions_tf(),
            "locals.tf": locals_tf(),
            "data.tf": data_tf(),
            "keys.tf": stores_tf(root, "key"),
            "tables.tf": stores_tf(root, "table"),
            "buckets.tf": stores_tf(root, "bucket"),
            "queues.tf": stores_tf(root, "queue"),
            "secrets.tf": stores_tf(root, "secret"),
            "policies.tf": policies[r],
        }
        counts = distribute(rng, per_root[r], role_counts[r])
        written = fixed[r]
        functions = 0
        nfile = 0
        for start in range(0, role_counts[r], a.roles_per_file):
            chunk = []
            for j in range(start, min(start + a.roles_per_file, role_counts[r])):
                text, n, fn = role_block(root, rng, next_role, counts[j])
                next_role += 1
                written += n
                functions += fn
                chunk.append(text)
            files[f"roles-{nfile:03d}.tf"] = "\n".join(chunk)
            nfile += 1
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text.rstrip("\n") + "\n")
        manifest["roots"].append({
            "dir": f"account-{r:02d}", "roles": role_counts[r], "statements": written,
            "functions": functions, "stores_per_kind": a.stores, "files": len(files)})
        manifest["statements"] += written
    assert manifest["statements"] == a.statements, manifest["statements"]
    with open(a.out.rstrip("/") + ".manifest.json", "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {a.roles} roles, {manifest['statements']} statements, "
          f"{sum(r['functions'] for r in manifest['roots'])} functions in {a.roots} root(s) "
          f"under {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
