#!/usr/bin/env python3
"""Writes a realistic, deterministic Terraform tree for benchmarking `vouch inventory`.

The tree looks like an AWS monorepo:

    OUT/
      modules/                      reusable local modules, called many times
        lambda-function/            role + trust policy document + inline policy + log group + function
        s3-bucket/                  bucket + encryption + public access block + versioning + policy
        sqs-queue/                  queue + dead-letter queue + redrive + queue policy
        dynamodb-table/             table with GSIs, PITR, KMS encryption
        kms-key/                    key + key policy document + alias
        worker/                     calls ../sqs-queue and ../lambda-function (nested modules)
      services/<service>/<env>/     one Terraform root per service and environment
        versions.tf variables.tf locals.tf data.tf core.tf outputs.tf terraform.tfvars
        <topic>_<kind>.tf ...       resource files: IAM, Lambda, DynamoDB, S3, SQS/SNS, KMS,
                                    security groups, module calls

Resource files mix `for_each` over maps, `count`, `dynamic` blocks, `aws_iam_policy_document`
data sources, `jsonencode` policies, string templates and cross-file references, and average
about 5 KB, so N files weigh about N * 5 KB.

`--files N` is the total number of files written (.tf and .tfvars). The same `--files` and
`--seed` always give the same bytes. Standard library only.

    python3 bench/generate.py --files 10000 --out /tmp/tf-10000 --seed 1
"""

import argparse
import os
import random
import shutil
import sys

FILES_PER_ROOT = 40  # fixed per root, so the tree (and the work) grows linearly with N
FIXED_ROOT_FILES = ["versions.tf", "variables.tf", "locals.tf", "data.tf", "core.tf",
                    "outputs.tf", "terraform.tfvars"]
MODULES_REL = "../../../modules"  # from services/<service>/<env>

SERVICES = [
    "orders", "billing", "payments", "invoices", "catalog", "search", "identity", "accounts",
    "notifications", "shipping", "inventory", "pricing", "reports", "analytics", "audit",
    "ledger", "checkout", "reviews", "media", "exports", "imports", "webhooks", "scheduler",
    "tenants", "support", "fraud", "loyalty", "messaging", "documents", "onboarding",
]
ENVS = ["dev", "staging", "prod"]
TOPICS = [
    "ingest", "api", "worker", "events", "sync", "archive", "backfill", "digest", "export",
    "router", "enricher", "validator", "indexer", "notifier", "reconciler", "compactor",
    "scanner", "dispatcher", "aggregator", "publisher", "consumer", "gateway", "cleanup",
    "replicator", "transformer", "collector", "auditor", "tracker", "resolver", "batcher",
]
KINDS = ["iam", "lambda", "dynamodb", "s3", "messaging", "kms", "network", "modules"]
# Weights of the kinds of resource file (IAM- and Lambda-heavy, as in real serverless code).
KIND_WEIGHTS = [4, 4, 2, 2, 2, 1, 1, 3]

DDB_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
               "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan",
               "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
               "dynamodb:DescribeTable"]
S3_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion",
              "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
SQS_ACTIONS = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
               "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
KMS_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey"]
RUNTIMES = ["python3.12", "python3.11", "nodejs20.x", "nodejs18.x", "java21", "provided.al2023"]
PORTS = [443, 5432, 6379, 8080, 9090, 3306, 11211, 8443]


def hcl_list(items, indent):
    """A multi-line HCL list of strings (or raw expressions when wrapped in <>)."""
    pad = " " * indent
    out = ["["]
    for it in items:
        if it.startswith("<") and it.endswith(">"):
            out.append(f"{pad}  {it[1:-1]},")
        else:
            out.append(f'{pad}  "{it}",')
    out.append(f"{pad}]")
    return "\n".join(out)


class Root:
    """Names declared so far in one root, so references always point at something real."""

    def __init__(self, rng, service, env, index):
        self.rng = rng
        self.service = service
        self.env = env
        self.index = index
        self.keys = ["main"]
        self.tables = ["main"]
        self.buckets = ["artifacts"]
        self.queues = ["events"]
        self.topics = ["alerts"]
        self.roles = []
        self.sgs = ["default_egress"]
        self.module_queues = []  # module names of sqs-queue calls
        self.module_buckets = []
        self.used = set()

    def name(self, base):
        n = base
        i = 2
        while n in self.used:
            n = f"{base}_{i}"
            i += 1
        self.used.add(n)
        return n

    def pick(self, seq):
        return self.rng.choice(seq)

    def some(self, seq, lo, hi):
        k = min(len(seq), self.rng.randint(lo, hi))
        return sorted(self.rng.sample(seq, k))


# --------------------------------------------------------------------------- fixed root files

def versions_tf(r):
    return f"""terraform {{
  required_version = ">= 1.6.0"

  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }}
  }}

  backend "s3" {{
    bucket         = "acme-terraform-state-{r.env}"
    key            = "{r.service}/{r.env}/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "terraform-locks"
    encrypt        = true
  }}
}}

provider "aws" {{
  region = var.region

  default_tags {{
    tags = {{
      Service     = "{r.service}"
      Environment = var.environment
      ManagedBy   = "terraform"
      Repository  = "acme/platform"
    }}
  }}
}}
"""


def variables_tf(r):
    return f"""# Inputs of the {r.service} service ({r.env}).

variable "region" {{
  description = "AWS region the service is deployed to."
  type        = string
  default     = "eu-west-1"
}}

variable "environment" {{
  description = "Deployment environment (dev, staging or prod)."
  type        = string
  default     = "{r.env}"

  validation {{
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "The environment must be dev, staging or prod."
  }}
}}

variable "service" {{
  description = "Short name of the service, used as a prefix for every resource name."
  type        = string
  default     = "{r.service}"
}}

variable "release" {{
  description = "Release identifier; the Lambda artifacts live under this prefix."
  type        = string
}}

variable "artifact_bucket" {{
  description = "Bucket the CI pipeline uploads Lambda artifacts to."
  type        = string
}}

variable "vpc_cidr" {{
  description = "CIDR block of the service VPC."
  type        = string
  default     = "10.{r.index % 250}.0.0/16"
}}

variable "availability_zones" {{
  description = "Availability zones the private subnets are spread over."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}}

variable "log_retention_days" {{
  description = "How long CloudWatch keeps the function logs."
  type        = number
  default     = 30
}}

variable "enable_point_in_time_recovery" {{
  description = "Turns on DynamoDB point-in-time recovery."
  type        = bool
  default     = true
}}

variable "enable_alarms" {{
  description = "Creates the SNS alarm topic subscriptions."
  type        = bool
  default     = false
}}

variable "allowed_cidrs" {{
  description = "Networks allowed to reach the service load balancer."
  type        = list(string)
  default     = ["10.0.0.0/8"]
}}

variable "function_memory" {{
  description = "Default memory size of the functions, in MB."
  type        = number
  default     = 512
}}

variable "message_retention_seconds" {{
  description = "How long the queues keep messages."
  type        = number
  default     = 345600
}}

variable "extra_tags" {{
  description = "Tags added to every resource."
  type        = map(string)
  default     = {{}}
}}

variable "admin_role_arns" {{
  description = "Roles allowed to administer the service keys."
  type        = list(string)
  default     = []
}}
"""


def tfvars(r):
    mem = r.pick([256, 512, 1024])
    return f"""release         = "2024.{r.index % 12 + 1:02d}.{r.index % 28 + 1:02d}-{r.rng.randrange(16**7):07x}"
artifact_bucket = "acme-artifacts-{r.env}"
environment     = "{r.env}"
function_memory = {mem}
enable_alarms   = {"true" if r.env == "prod" else "false"}

log_retention_days = {90 if r.env == "prod" else 14}

allowed_cidrs = [
  "10.0.0.0/8",
  "172.16.0.0/12",
]

extra_tags = {{
  CostCenter = "cc-{r.rng.randint(1000, 9999)}"
  Owner      = "team-{r.service}"
}}

admin_role_arns = [
  "arn:aws:iam::123456789012:role/platform-admin",
]
"""


def locals_tf(r):
    fns = []
    for t in r.some(TOPICS, 3, 5):
        fns.append(f"""    {t} = {{
      handler     = "{r.service}.{t}.handler"
      memory_size = {r.pick([128, 256, 512, 1024])}
      timeout     = {r.pick([3, 10, 30, 60, 300])}
      in_vpc      = {r.pick(["true", "false"])}
    }}""")
    fns = "\n".join(fns)
    return f"""locals {{
  name_prefix = "${{var.service}}-${{var.environment}}"
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition

  is_production = var.environment == "prod"

  tags = merge(var.extra_tags, {{
    Service     = var.service
    Environment = var.environment
  }})

  managed_policy_prefix = "arn:${{local.partition}}:iam::aws:policy/service-role"

  common_environment = {{
    SERVICE     = var.service
    ENVIRONMENT = var.environment
    LOG_LEVEL   = local.is_production ? "INFO" : "DEBUG"
    RELEASE     = var.release
  }}

  functions = {{
{fns}
  }}

  function_names = {{ for k, v in local.functions : k => "${{local.name_prefix}}-${{replace(k, "_", "-")}}" }}
  vpc_functions  = {{ for k, v in local.functions : k => v if v.in_vpc }}

  private_subnet_cidrs = [for i, az in var.availability_zones : cidrsubnet(var.vpc_cidr, 4, i)]
}}
"""


def data_tf(r):
    return f"""data "aws_caller_identity" "current" {{}}

data "aws_partition" "current" {{}}

data "aws_region" "current" {{}}

data "aws_iam_policy_document" "lambda_trust" {{
  statement {{
    sid     = "LambdaService"
    actions = ["sts:AssumeRole"]

    principals {{
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }}
  }}
}}

data "aws_iam_policy_document" "deny_insecure_transport" {{
  statement {{
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["arn:${{local.partition}}:s3:::${{local.name_prefix}}-*"]

    principals {{
      type        = "*"
      identifiers = ["*"]
    }}

    condition {{
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }}
  }}
}}
"""


def core_tf(r):
    return f"""# Shared infrastructure of the service: VPC, subnets, the main key, table and bucket.

resource "aws_vpc" "main" {{
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, {{ Name = local.name_prefix }})
}}

resource "aws_subnet" "private" {{
  count = length(var.availability_zones)

  vpc_id            = aws_vpc.main.id
  cidr_block        = local.private_subnet_cidrs[count.index]
  availability_zone = var.availability_zones[count.index]

  tags = merge(local.tags, {{ Name = "${{local.name_prefix}}-private-${{count.index}}" }})
}}

resource "aws_security_group" "default_egress" {{
  name        = "${{local.name_prefix}}-egress"
  description = "HTTPS egress for the functions of ${{var.service}}"
  vpc_id      = aws_vpc.main.id

  egress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

data "aws_iam_policy_document" "main_key" {{
  statement {{
    sid       = "AccountAdmin"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {{
      type        = "AWS"
      identifiers = concat(["arn:${{local.partition}}:iam::${{local.account_id}}:root"], var.admin_role_arns)
    }}
  }}
}}

resource "aws_kms_key" "main" {{
  description             = "Main data key of ${{local.name_prefix}}"
  enable_key_rotation     = true
  deletion_window_in_days = local.is_production ? 30 : 7
  policy                  = data.aws_iam_policy_document.main_key.json
}}

resource "aws_kms_alias" "main" {{
  name          = "alias/${{local.name_prefix}}-main"
  target_key_id = aws_kms_key.main.key_id
}}

resource "aws_dynamodb_table" "main" {{
  name         = "${{local.name_prefix}}-main"
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

  point_in_time_recovery {{
    enabled = var.enable_point_in_time_recovery
  }}

  server_side_encryption {{
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }}
}}

resource "aws_s3_bucket" "artifacts" {{
  bucket = "${{local.name_prefix}}-artifacts"
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {{
  bucket = aws_s3_bucket.artifacts.id

  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }}
  }}
}}

resource "aws_s3_bucket_public_access_block" "artifacts" {{
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_sqs_queue" "events" {{
  name                      = "${{local.name_prefix}}-events"
  kms_master_key_id         = aws_kms_key.main.arn
  message_retention_seconds = var.message_retention_seconds
}}

resource "aws_sns_topic" "alerts" {{
  name              = "${{local.name_prefix}}-alerts"
  kms_master_key_id = aws_kms_key.main.arn
}}
"""


def outputs_tf(r):
    return """output "vpc_id" {
  description = "VPC of the service."
  value       = aws_vpc.main.id
}

output "private_subnet_ids" {
  description = "Private subnets of the service."
  value       = aws_subnet.private[*].id
}

output "main_table_arn" {
  description = "ARN of the main table."
  value       = aws_dynamodb_table.main.arn
}

output "main_key_arn" {
  description = "ARN of the main KMS key."
  value       = aws_kms_key.main.arn
}

output "function_role_arns" {
  description = "Execution roles of the functions, by key."
  value       = { for k, role in aws_iam_role.function : k => role.arn }
}
"""


def functions_tf(r):
    """The root's for_each functions, wired like real code; always present (in core)."""
    return f"""# --- Functions of the service (for_each over local.functions) ---

resource "aws_iam_role" "function" {{
  for_each = local.functions

  name               = "${{local.function_names[each.key]}}-role"
  description        = "Execution role of ${{local.function_names[each.key]}}"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}}

resource "aws_iam_role_policy_attachment" "function_basic" {{
  for_each = local.functions

  role       = aws_iam_role.function[each.key].name
  policy_arn = "${{local.managed_policy_prefix}}/AWSLambdaBasicExecutionRole"
}}

resource "aws_iam_role_policy_attachment" "function_vpc" {{
  for_each = local.vpc_functions

  role       = aws_iam_role.function[each.key].name
  policy_arn = "${{local.managed_policy_prefix}}/AWSLambdaVPCAccessExecutionRole"
}}

resource "aws_cloudwatch_log_group" "function" {{
  for_each = local.functions

  name              = "/aws/lambda/${{local.function_names[each.key]}}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}}

resource "aws_lambda_function" "function" {{
  for_each = local.functions

  function_name = local.function_names[each.key]
  role          = aws_iam_role.function[each.key].arn
  runtime       = "python3.12"
  handler       = each.value.handler
  memory_size   = each.value.memory_size
  timeout       = each.value.timeout
  s3_bucket     = var.artifact_bucket
  s3_key        = "${{var.release}}/${{each.key}}.zip"
  kms_key_arn   = aws_kms_key.main.arn

  environment {{
    variables = merge(local.common_environment, {{ TABLE = aws_dynamodb_table.main.name }})
  }}

  dynamic "vpc_config" {{
    for_each = each.value.in_vpc ? [1] : []

    content {{
      subnet_ids         = aws_subnet.private[*].id
      security_group_ids = [aws_security_group.default_egress.id]
    }}
  }}
}}
"""


# --------------------------------------------------------------------------- resource chunks

def key_ref(r):
    return f"aws_kms_key.{r.pick(r.keys)}.arn"


def chunk_kms(r, topic):
    n = r.name(f"{topic}_key")
    r.keys.append(n)
    roles = [f"<aws_iam_role.{x}.arn>" for x in r.some(r.roles, 0, 2)] if r.roles else []
    principals = hcl_list(roles or ["<\"arn:${local.partition}:iam::${local.account_id}:root\">"], 6)
    return f"""# Customer managed key for {topic} data.
data "aws_iam_policy_document" "{n}" {{
  statement {{
    sid       = "EnableRootAccount"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {{
      type        = "AWS"
      identifiers = ["arn:${{local.partition}}:iam::${{local.account_id}}:root"]
    }}
  }}

  statement {{
    sid       = "AllowUse"
    actions   = {hcl_list(r.some(KMS_ACTIONS, 2, 4), 4)}
    resources = ["*"]

    principals {{
      type        = "AWS"
      identifiers = {principals}
    }}

    condition {{
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${{var.region}}.amazonaws.com", "s3.${{var.region}}.amazonaws.com"]
    }}
  }}
}}

resource "aws_kms_key" "{n}" {{
  description             = "${{local.name_prefix}} {topic} data key"
  enable_key_rotation     = true
  deletion_window_in_days = local.is_production ? 30 : 7
  policy                  = data.aws_iam_policy_document.{n}.json
  tags                    = local.tags
}}

resource "aws_kms_alias" "{n}" {{
  name          = "alias/${{local.name_prefix}}-{topic.replace("_", "-")}"
  target_key_id = aws_kms_key.{n}.key_id
}}
"""


def chunk_table(r, topic):
    n = r.name(f"{topic}_table")
    r.tables.append(n)
    gsis = []
    attrs = ["pk", "sk"]
    for i in range(r.rng.randint(0, 3)):
        a = f"gsi{i + 1}pk"
        attrs.append(a)
        gsis.append(f"""
  global_secondary_index {{
    name            = "by_{a}"
    hash_key        = "{a}"
    projection_type = "{r.pick(["ALL", "KEYS_ONLY"])}"
  }}
""")
    attr_blocks = "\n".join(f"""  attribute {{
    name = "{a}"
    type = "S"
  }}
""" for a in attrs)
    stream = r.pick([True, False])
    return f"""resource "aws_dynamodb_table" "{n}" {{
  name         = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"
{f'''  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
''' if stream else ""}
{attr_blocks}{"".join(gsis)}
  ttl {{
    attribute_name = "expires_at"
    enabled        = true
  }}

  point_in_time_recovery {{
    enabled = var.enable_point_in_time_recovery
  }}

  server_side_encryption {{
    enabled     = true
    kms_key_arn = {key_ref(r)}
  }}

  tags = merge(local.tags, {{ DataClass = "{r.pick(["internal", "confidential", "restricted"])}" }})
}}
"""


def chunk_bucket(r, topic):
    n = r.name(f"{topic}_bucket")
    r.buckets.append(n)
    versioned = r.pick(["Enabled", "Suspended", "Enabled"])
    return f"""# Bucket for {topic} objects, with its separate configuration resources.
resource "aws_s3_bucket" "{n}" {{
  bucket        = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  force_destroy = !local.is_production
  tags          = local.tags
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "{n}" {{
  bucket = aws_s3_bucket.{n}.id

  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = {key_ref(r)}
    }}
    bucket_key_enabled = true
  }}
}}

resource "aws_s3_bucket_public_access_block" "{n}" {{
  bucket                  = aws_s3_bucket.{n}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_versioning" "{n}" {{
  bucket = aws_s3_bucket.{n}.id

  versioning_configuration {{
    status = "{versioned}"
  }}
}}

data "aws_iam_policy_document" "{n}_policy" {{
  source_policy_documents = [data.aws_iam_policy_document.deny_insecure_transport.json]

  statement {{
    sid       = "DenyUnencryptedUploads"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${{aws_s3_bucket.{n}.arn}}/*"]

    principals {{
      type        = "*"
      identifiers = ["*"]
    }}

    condition {{
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }}
  }}
}}

resource "aws_s3_bucket_policy" "{n}" {{
  bucket = aws_s3_bucket.{n}.id
  policy = data.aws_iam_policy_document.{n}_policy.json
}}
"""


def chunk_queue(r, topic):
    n = r.name(f"{topic}_queue")
    r.queues.append(n)
    variants = r.some(["high", "low", "bulk", "retry", "priority"], 1, 3)
    vmap = "\n".join(f"""    {v} = {{
      visibility_timeout = {r.pick([30, 60, 120, 300, 900])}
      delay_seconds      = {r.pick([0, 0, 5, 30])}
    }}""" for v in variants)
    return f"""locals {{
  {n}_variants = {{
{vmap}
  }}
}}

resource "aws_sqs_queue" "{n}_dlq" {{
  name                      = "${{local.name_prefix}}-{topic.replace("_", "-")}-dlq"
  kms_master_key_id         = {key_ref(r)}
  message_retention_seconds = 1209600
}}

resource "aws_sqs_queue" "{n}" {{
  name                       = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  kms_master_key_id          = {key_ref(r)}
  visibility_timeout_seconds = {r.pick([30, 60, 180, 900])}
  message_retention_seconds  = var.message_retention_seconds

  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.{n}_dlq.arn
    maxReceiveCount     = {r.pick([3, 5, 10])}
  }})
}}

resource "aws_sqs_queue" "{n}_variant" {{
  for_each = local.{n}_variants

  name                       = "${{local.name_prefix}}-{topic.replace("_", "-")}-${{each.key}}"
  kms_master_key_id          = {key_ref(r)}
  visibility_timeout_seconds = each.value.visibility_timeout
  delay_seconds              = each.value.delay_seconds

  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.{n}_dlq.arn
    maxReceiveCount     = 5
  }})
}}

resource "aws_sqs_queue_policy" "{n}" {{
  queue_url = aws_sqs_queue.{n}.url

  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid       = "AllowTopic"
        Effect    = "Allow"
        Principal = {{ Service = "sns.amazonaws.com" }}
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.{n}.arn
        Condition = {{
          ArnEquals = {{ "aws:SourceArn" = aws_sns_topic.{r.pick(r.topics)}.arn }}
        }}
      }},
    ]
  }})
}}
"""


def chunk_topic(r, topic):
    n = r.name(f"{topic}_topic")
    r.topics.append(n)
    q = r.pick(r.queues)
    return f"""resource "aws_sns_topic" "{n}" {{
  name              = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  kms_master_key_id = {key_ref(r)}

  delivery_policy = jsonencode({{
    http = {{
      defaultHealthyRetryPolicy = {{
        minDelayTarget = 20
        maxDelayTarget = 20
        numRetries     = 3
      }}
    }}
  }})
}}

resource "aws_sns_topic_subscription" "{n}" {{
  topic_arn            = aws_sns_topic.{n}.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.{q}.arn
  raw_message_delivery = true
}}

resource "aws_sns_topic_subscription" "{n}_alarm" {{
  count = var.enable_alarms ? 1 : 0

  topic_arn = aws_sns_topic.{n}.arn
  protocol  = "email"
  endpoint  = "oncall+{r.service}@example.com"
}}
"""


def policy_statements_doc(r, n):
    """Statements of an aws_iam_policy_document that reach the root's data."""
    out = []
    t = r.pick(r.tables)
    out.append(f"""  statement {{
    sid       = "Table"
    actions   = {hcl_list(r.some(DDB_ACTIONS, 2, 6), 4)}
    resources = [aws_dynamodb_table.{t}.arn, "${{aws_dynamodb_table.{t}.arn}}/index/*"]
  }}
""")
    b = r.pick(r.buckets)
    out.append(f"""  statement {{
    sid       = "Objects"
    actions   = {hcl_list(r.some(S3_ACTIONS, 1, 3), 4)}
    resources = ["${{aws_s3_bucket.{b}.arn}}/{n}/*"]
  }}
""")
    if r.rng.random() < 0.7:
        q = r.pick(r.queues)
        out.append(f"""  statement {{
    sid       = "Queue"
    actions   = {hcl_list(r.some(SQS_ACTIONS, 1, 3), 4)}
    resources = [aws_sqs_queue.{q}.arn]
  }}
""")
    out.append(f"""  statement {{
    sid       = "Keys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [{key_ref(r)}]
  }}
""")
    if r.rng.random() < 0.4:
        out.append(f"""  statement {{
    sid       = "TenantScoped"
    actions   = ["dynamodb:Query", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.{r.pick(r.tables)}.arn]

    condition {{
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = ["$${{aws:PrincipalTag/tenant_id}}"]
    }}
  }}
""")
    return "\n".join(out)


def chunk_role(r, topic):
    n = r.name(f"{topic}_role")
    r.roles.append(n)
    t = r.pick(r.tables)
    q = r.pick(r.queues)
    return f"""# Role for the {topic} jobs, with an inline policy rendered from a policy document.
data "aws_iam_policy_document" "{n}" {{
{policy_statements_doc(r, topic)}}}

resource "aws_iam_role" "{n}" {{
  name                 = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  assume_role_policy   = data.aws_iam_policy_document.lambda_trust.json
  max_session_duration = 3600
  tags                 = local.tags
}}

resource "aws_iam_role_policy" "{n}" {{
  name   = "{topic}-access"
  role   = aws_iam_role.{n}.id
  policy = data.aws_iam_policy_document.{n}.json
}}

resource "aws_iam_role_policy" "{n}_extra" {{
  name = "{topic}-extra"
  role = aws_iam_role.{n}.id

  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid      = "ReadJobs"
        Effect   = "Allow"
        Action   = {hcl_list(r.some(DDB_ACTIONS, 1, 4), 10)}
        Resource = [aws_dynamodb_table.{t}.arn, "${{aws_dynamodb_table.{t}.arn}}/index/*"]
      }},
      {{
        Sid      = "Enqueue"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = aws_sqs_queue.{q}.arn
      }},
    ]
  }})
}}

resource "aws_iam_role_policy_attachment" "{n}" {{
  role       = aws_iam_role.{n}.name
  policy_arn = "${{local.managed_policy_prefix}}/AWSLambdaBasicExecutionRole"
}}
"""


def chunk_role_map(r, topic):
    """Several roles from one map, with a for_each data source per role."""
    n = r.name(f"{topic}_access")
    keys = r.some(["reader", "writer", "auditor", "operator", "support", "ci"], 2, 4)
    entries = []
    for k in keys:
        entries.append(f"""    {k} = {{
      actions  = {hcl_list(r.some(DDB_ACTIONS, 1, 4), 6)}
      table    = aws_dynamodb_table.{r.pick(r.tables)}.arn
      external = {r.pick(["true", "false"])}
    }}""")
    return f"""locals {{
  {n} = {{
{chr(10).join(entries)}
  }}
}}

data "aws_iam_policy_document" "{n}_trust" {{
  for_each = local.{n}

  statement {{
    actions = ["sts:AssumeRole"]

    principals {{
      type        = "AWS"
      identifiers = each.value.external ? ["arn:aws:iam::210987654321:root"] : ["arn:${{local.partition}}:iam::${{local.account_id}}:root"]
    }}
  }}
}}

resource "aws_iam_role" "{n}" {{
  for_each = local.{n}

  name               = "${{local.name_prefix}}-{topic}-${{each.key}}"
  assume_role_policy = data.aws_iam_policy_document.{n}_trust[each.key].json
}}

resource "aws_iam_policy" "{n}" {{
  for_each = local.{n}

  name = "${{local.name_prefix}}-{topic}-${{each.key}}"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = each.value.actions
      Resource = [each.value.table, "${{each.value.table}}/index/*"]
    }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "{n}" {{
  for_each = local.{n}

  role       = aws_iam_role.{n}[each.key].name
  policy_arn = aws_iam_policy.{n}[each.key].arn
}}
"""


def chunk_lambda(r, topic):
    if not r.roles:
        return chunk_role(r, topic)
    n = r.name(f"{topic}_fn")
    role = r.pick(r.roles)
    t = r.pick(r.tables)
    b = r.pick(r.buckets)
    q = r.pick(r.queues)
    in_vpc = r.pick(["true", "false"])
    return f"""resource "aws_cloudwatch_log_group" "{n}" {{
  name              = "/aws/lambda/${{local.name_prefix}}-{topic.replace("_", "-")}"
  retention_in_days = var.log_retention_days
  kms_key_id        = {key_ref(r)}
}}

resource "aws_lambda_function" "{n}" {{
  function_name = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  description   = "Handles {topic} for ${{var.service}}"
  role          = aws_iam_role.{role}.arn
  runtime       = "{r.pick(RUNTIMES)}"
  architectures = ["arm64"]
  handler       = "{r.service}.{topic}.handler"
  memory_size   = var.function_memory
  timeout       = {r.pick([10, 30, 60, 300, 900])}
  s3_bucket     = var.artifact_bucket
  s3_key        = "${{var.release}}/{topic}.zip"
  kms_key_arn   = {key_ref(r)}

  reserved_concurrent_executions = local.is_production ? {r.pick([10, 50, 100])} : 2

  environment {{
    variables = merge(local.common_environment, {{
      TABLE_NAME = aws_dynamodb_table.{t}.name
      BUCKET     = aws_s3_bucket.{b}.id
      QUEUE_URL  = aws_sqs_queue.{q}.url
      TOPIC      = "{topic}"
    }})
  }}

  dynamic "vpc_config" {{
    for_each = {in_vpc} ? [1] : []

    content {{
      subnet_ids         = aws_subnet.private[*].id
      security_group_ids = [aws_security_group.{r.pick(r.sgs)}.id]
    }}
  }}

  logging_config {{
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.{n}.name
  }}

  tracing_config {{
    mode = "Active"
  }}
}}

resource "aws_lambda_event_source_mapping" "{n}" {{
  event_source_arn                   = aws_sqs_queue.{q}.arn
  function_name                      = aws_lambda_function.{n}.arn
  batch_size                         = {r.pick([1, 10, 25, 100])}
  maximum_batching_window_in_seconds = {r.pick([0, 1, 5])}
  function_response_types            = ["ReportBatchItemFailures"]
}}

resource "aws_lambda_permission" "{n}" {{
  count = var.enable_alarms ? 1 : 0

  statement_id  = "AllowSns"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.{n}.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.{r.pick(r.topics)}.arn
}}
"""


def chunk_sg(r, topic):
    n = r.name(f"{topic}_sg")
    r.sgs.append(n)
    rules = []
    for p in r.some(PORTS, 1, 4):
        rules.append(f"""    {{
      description = "{topic} port {p}"
      port        = {p}
      cidrs       = var.allowed_cidrs
    }},""")
    return f"""locals {{
  {n}_ingress = [
{chr(10).join(rules)}
  ]
}}

resource "aws_security_group" "{n}" {{
  name        = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  description = "Traffic to the {topic} endpoints"
  vpc_id      = aws_vpc.main.id

  dynamic "ingress" {{
    for_each = local.{n}_ingress

    content {{
      description = ingress.value.description
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidrs
    }}
  }}

  egress {{
    description = "All egress inside the VPC"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [var.vpc_cidr]
  }}

  tags = merge(local.tags, {{ Name = "${{local.name_prefix}}-{topic}" }})
}}

resource "aws_vpc_endpoint" "{n}" {{
  count = local.is_production ? 1 : 0

  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${{var.region}}.{r.pick(["dynamodb", "s3", "sqs", "kms"])}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.{n}.id]
  private_dns_enabled = true
}}
"""


def chunk_module(r, topic):
    kind = r.rng.choices(["lambda", "bucket", "queue", "table", "key", "worker"],
                         [4, 2, 2, 1, 1, 2])[0]
    n = r.name(f"{topic}_{kind}")
    k = key_ref(r)
    if kind == "lambda":
        t = r.pick(r.tables)
        return f"""module "{n}" {{
  source = "{MODULES_REL}/lambda-function"

  name            = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  description     = "{topic} handler of {r.service}"
  handler         = "{r.service}.{topic}.handler"
  runtime         = "{r.pick(RUNTIMES)}"
  memory_size     = {r.pick([128, 256, 512, 1024])}
  timeout         = {r.pick([10, 30, 60])}
  artifact_bucket = var.artifact_bucket
  artifact_key    = "${{var.release}}/{topic}.zip"
  kms_key_arn     = {k}
  log_retention   = var.log_retention_days
  subnet_ids      = {r.pick(["aws_subnet.private[*].id", "[]"])}
  security_groups = [aws_security_group.{r.pick(r.sgs)}.id]

  environment = {{
    TABLE_NAME = aws_dynamodb_table.{t}.name
    MODE       = "{r.pick(["sync", "async", "batch"])}"
  }}

  role_policy_json = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid      = "Table"
        Effect   = "Allow"
        Action   = {hcl_list(r.some(DDB_ACTIONS, 1, 4), 10)}
        Resource = [aws_dynamodb_table.{t}.arn, "${{aws_dynamodb_table.{t}.arn}}/index/*"]
      }},
      {{
        Sid      = "Decrypt"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = {k}
      }},
    ]
  }})

  tags = local.tags
}}
"""
    if kind == "bucket":
        r.module_buckets.append(n)
        return f"""module "{n}" {{
  source = "{MODULES_REL}/s3-bucket"

  name            = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  kms_key_arn     = {k}
  versioning      = {r.pick(["true", "false"])}
  force_destroy   = !local.is_production
  readers         = [for role in aws_iam_role.function : role.arn]
  expiration_days = {r.pick([7, 30, 90, 365])}
  tags            = local.tags
}}
"""
    if kind == "queue":
        r.module_queues.append(n)
        return f"""module "{n}" {{
  source = "{MODULES_REL}/sqs-queue"

  name               = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  kms_key_arn        = {k}
  visibility_timeout = {r.pick([30, 60, 300])}
  max_receive_count  = {r.pick([3, 5, 10])}
  sender_arns        = [aws_sns_topic.{r.pick(r.topics)}.arn]
  tags               = local.tags
}}
"""
    if kind == "table":
        return f"""module "{n}" {{
  source = "{MODULES_REL}/dynamodb-table"

  name        = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  kms_key_arn = {k}
  indexes     = {hcl_list(r.some(["by_owner", "by_status", "by_created", "by_tenant"], 0, 3), 2)}
  pitr        = var.enable_point_in_time_recovery
  tags        = local.tags
}}
"""
    if kind == "key":
        return f"""module "{n}" {{
  source = "{MODULES_REL}/kms-key"

  alias       = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  description = "{topic} key of {r.service}"
  admin_arns  = var.admin_role_arns
  user_arns   = [for role in aws_iam_role.function : role.arn]
}}
"""
    return f"""module "{n}" {{
  source = "{MODULES_REL}/worker"

  name            = "${{local.name_prefix}}-{topic.replace("_", "-")}"
  handler         = "{r.service}.{topic}.worker"
  artifact_bucket = var.artifact_bucket
  artifact_key    = "${{var.release}}/{topic}-worker.zip"
  kms_key_arn     = {k}
  table_arn       = aws_dynamodb_table.{r.pick(r.tables)}.arn
  batch_size      = {r.pick([1, 10, 50])}
  tags            = local.tags
}}
"""


CHUNKS = {
    "iam": [chunk_role, chunk_role, chunk_role_map],
    "lambda": [chunk_lambda, chunk_lambda, chunk_role],
    "dynamodb": [chunk_table],
    "s3": [chunk_bucket],
    "messaging": [chunk_queue, chunk_topic],
    "kms": [chunk_kms],
    "network": [chunk_sg],
    "modules": [chunk_module],
}


def resource_file(r, kind, topic, target):
    parts = [f"# {r.service} / {topic}: {kind} resources.\n# Generated by bench/generate.py.\n"]
    size = len(parts[0])
    i = 0
    while size < target:
        sub = topic if i == 0 else f"{topic}_{i + 1}"
        text = r.pick(CHUNKS[kind])(r, sub)
        parts.append(text)
        size += len(text) + 1
        i += 1
    return "\n".join(parts)


# --------------------------------------------------------------------------- modules

MODULES = {
    "lambda-function/variables.tf": """variable "name" {
  description = "Function name."
  type        = string
}

variable "description" {
  type    = string
  default = ""
}

variable "handler" {
  type = string
}

variable "runtime" {
  type    = string
  default = "python3.12"
}

variable "memory_size" {
  type    = number
  default = 256
}

variable "timeout" {
  type    = number
  default = 30
}

variable "artifact_bucket" {
  type = string
}

variable "artifact_key" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "log_retention" {
  type    = number
  default = 30
}

variable "subnet_ids" {
  type    = list(string)
  default = []
}

variable "security_groups" {
  type    = list(string)
  default = []
}

variable "environment" {
  type    = map(string)
  default = {}
}

variable "role_policy_json" {
  description = "Inline policy of the execution role."
  type        = string
}

variable "tags" {
  type    = map(string)
  default = {}
}
""",
    "lambda-function/iam.tf": """data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-role"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-inline"
  role   = aws_iam_role.this.id
  policy = var.role_policy_json
}

resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy_attachment" "vpc" {
  count = length(var.subnet_ids) > 0 ? 1 : 0

  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}
""",
    "lambda-function/main.tf": """resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  description   = var.description
  role          = aws_iam_role.this.arn
  runtime       = var.runtime
  handler       = var.handler
  memory_size   = var.memory_size
  timeout       = var.timeout
  s3_bucket     = var.artifact_bucket
  s3_key        = var.artifact_key
  kms_key_arn   = var.kms_key_arn
  tags          = var.tags

  environment {
    variables = var.environment
  }

  dynamic "vpc_config" {
    for_each = length(var.subnet_ids) > 0 ? [1] : []

    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_groups
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }
}
""",
    "lambda-function/outputs.tf": """output "function_arn" {
  value = aws_lambda_function.this.arn
}

output "function_name" {
  value = aws_lambda_function.this.function_name
}

output "role_arn" {
  value = aws_iam_role.this.arn
}

output "role_name" {
  value = aws_iam_role.this.name
}
""",
    "s3-bucket/variables.tf": """variable "name" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "versioning" {
  type    = bool
  default = true
}

variable "force_destroy" {
  type    = bool
  default = false
}

variable "readers" {
  description = "Principals allowed to read objects."
  type        = list(string)
  default     = []
}

variable "expiration_days" {
  type    = number
  default = 365
}

variable "tags" {
  type    = map(string)
  default = {}
}
""",
    "s3-bucket/main.tf": """resource "aws_s3_bucket" "this" {
  bucket        = var.name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire"
    status = "Enabled"

    expiration {
      days = var.expiration_days
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = length(var.readers) > 0 ? [var.readers] : []

    content {
      sid       = "Readers"
      actions   = ["s3:GetObject"]
      resources = ["${aws_s3_bucket.this.arn}/*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json
}
""",
    "s3-bucket/outputs.tf": """output "bucket" {
  value = aws_s3_bucket.this.id
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
""",
    "sqs-queue/variables.tf": """variable "name" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "visibility_timeout" {
  type    = number
  default = 30
}

variable "max_receive_count" {
  type    = number
  default = 5
}

variable "sender_arns" {
  type    = list(string)
  default = []
}

variable "tags" {
  type    = map(string)
  default = {}
}
""",
    "sqs-queue/main.tf": """resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  kms_master_key_id         = var.kms_key_arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  name                       = var.name
  kms_master_key_id          = var.kms_key_arn
  visibility_timeout_seconds = var.visibility_timeout
  tags                       = var.tags

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_policy" "this" {
  count = length(var.sender_arns) > 0 ? 1 : 0

  queue_url = aws_sqs_queue.this.url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for arn in var.sender_arns : {
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.this.arn
      Condition = { ArnEquals = { "aws:SourceArn" = arn } }
    }]
  })
}
""",
    "sqs-queue/outputs.tf": """output "arn" {
  value = aws_sqs_queue.this.arn
}

output "url" {
  value = aws_sqs_queue.this.url
}

output "dlq_arn" {
  value = aws_sqs_queue.dlq.arn
}
""",
    "dynamodb-table/main.tf": """variable "name" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "indexes" {
  type    = list(string)
  default = []
}

variable "pitr" {
  type    = bool
  default = true
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"
  tags         = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  dynamic "attribute" {
    for_each = toset(var.indexes)

    content {
      name = "${attribute.value}_pk"
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = toset(var.indexes)

    content {
      name            = global_secondary_index.value
      hash_key        = "${global_secondary_index.value}_pk"
      projection_type = "ALL"
    }
  }

  point_in_time_recovery {
    enabled = var.pitr
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

output "arn" {
  value = aws_dynamodb_table.this.arn
}

output "name" {
  value = aws_dynamodb_table.this.name
}
""",
    "kms-key/main.tf": """variable "alias" {
  type = string
}

variable "description" {
  type = string
}

variable "admin_arns" {
  type    = list(string)
  default = []
}

variable "user_arns" {
  type    = list(string)
  default = []
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "Root"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = length(var.admin_arns) > 0 ? [var.admin_arns] : []

    content {
      sid       = "Admins"
      actions   = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:Put*", "kms:Update*"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.user_arns) > 0 ? [var.user_arns] : []

    content {
      sid       = "Users"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description         = var.description
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.this.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}

output "arn" {
  value = aws_kms_key.this.arn
}
""",
    "worker/main.tf": """# A queue-driven worker: a queue and a function, composed from the other modules.

variable "name" {
  type = string
}

variable "handler" {
  type = string
}

variable "artifact_bucket" {
  type = string
}

variable "artifact_key" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "table_arn" {
  type = string
}

variable "batch_size" {
  type    = number
  default = 10
}

variable "tags" {
  type    = map(string)
  default = {}
}

module "queue" {
  source = "../sqs-queue"

  name        = "${var.name}-jobs"
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}

module "function" {
  source = "../lambda-function"

  name            = var.name
  handler         = var.handler
  artifact_bucket = var.artifact_bucket
  artifact_key    = var.artifact_key
  kms_key_arn     = var.kms_key_arn
  tags            = var.tags

  environment = {
    QUEUE_URL = module.queue.url
  }

  role_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = module.queue.arn
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
        Resource = var.table_arn
      },
    ]
  })
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn = module.queue.arn
  function_name    = module.function.function_arn
  batch_size       = var.batch_size
}

output "queue_arn" {
  value = module.queue.arn
}

output "function_arn" {
  value = module.function.function_arn
}
""",
}


# --------------------------------------------------------------------------- tree

def plan_roots(n_files):
    """(service, env, number of files) of each root; roots hold about FILES_PER_ROOT files."""
    avail = n_files - len(MODULES)
    smallest = len(FIXED_ROOT_FILES) + 1
    if avail < smallest:
        sys.exit(f"--files must be at least {len(MODULES) + smallest}")
    n_roots = max(1, min(round(avail / FILES_PER_ROOT), avail // smallest))
    roots = []
    for i in range(n_roots):
        size = avail // n_roots + (1 if i < avail % n_roots else 0)
        svc = SERVICES[(i // len(ENVS)) % len(SERVICES)]
        rnd = i // (len(ENVS) * len(SERVICES))
        name = svc if rnd == 0 else f"{svc}-{rnd + 1}"
        roots.append((name, ENVS[i % len(ENVS)], size))
    return roots


def generate(n_files, out, seed):
    written = 0
    total = 0

    def write(rel, text):
        nonlocal written, total
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = text.encode()
        with open(path, "wb") as f:
            f.write(data)
        written += 1
        total += len(data)

    for rel, text in sorted(MODULES.items()):
        write(os.path.join("modules", rel), text)

    for index, (service, env, size) in enumerate(plan_roots(n_files)):
        # One generator per root: a root's bytes depend only on the seed and its position.
        rng = random.Random(f"{seed}/{index}")
        r = Root(rng, service, env, index)
        base = os.path.join("services", service, env)
        fixed = {
            "versions.tf": versions_tf, "variables.tf": variables_tf, "locals.tf": locals_tf,
            "data.tf": data_tf, "outputs.tf": outputs_tf, "terraform.tfvars": tfvars,
        }
        for name, fn in fixed.items():
            write(os.path.join(base, name), fn(r))
        write(os.path.join(base, "core.tf"), core_tf(r) + "\n" + functions_tf(r))
        n_res = size - len(FIXED_ROOT_FILES)
        # Declaring kinds first keeps references pointing at resources that exist.
        kinds = sorted(rng.choices(KINDS, KIND_WEIGHTS, k=n_res),
                       key=lambda k: ["kms", "dynamodb", "s3", "messaging", "network", "iam",
                                      "lambda", "modules"].index(k))
        topics = TOPICS[:]
        rng.shuffle(topics)
        for i, kind in enumerate(kinds):
            topic = topics[i % len(topics)]
            if i >= len(topics):
                topic = f"{topic}_{i // len(topics) + 1}"
            target = int(rng.triangular(2000, 9500, 4000))
            fname = f"{topic}_{kind}.tf"
            write(os.path.join(base, fname), resource_file(r, kind, topic, target))
    return written, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, required=True, help="number of files to write")
    ap.add_argument("--out", required=True, help="directory to write (must be absent or empty)")
    ap.add_argument("--seed", default="1", help="seed (default 1)")
    ap.add_argument("--force", action="store_true", help="delete --out first if it exists")
    a = ap.parse_args()
    if os.path.exists(a.out) and os.listdir(a.out):
        if not a.force:
            sys.exit(f"{a.out} is not empty (use --force to replace it)")
        shutil.rmtree(a.out)
    os.makedirs(a.out, exist_ok=True)
    n, size = generate(a.files, a.out, a.seed)
    print(f"wrote {n} files, {size / 1e6:.1f} MB ({size / max(n, 1) / 1000:.1f} KB/file) to {a.out}")


if __name__ == "__main__":
    main()
