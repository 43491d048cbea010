#!/usr/bin/env python3
"""Writes a deterministic Terraform root of a multi-tenant account: N roles x N buckets x N
policies, for the check that tenant binding (and every other check) is linear in the tree.

    OUT/
      versions.tf
      buckets.tf    N buckets `acme-tenant-NNN-data`, each with its encryption configuration
      policies.tf   N customer managed policies: object access on one tenant's bucket by
                    reference; listing every tenant bucket by ARN pattern, bound to the caller's
                    tenant with `s3:prefix` = `${aws:PrincipalTag/tenant}/*` on some, unbound on
                    others; one in ten grants `s3:*` on `*`
      roles.tf      N Lambda roles `acme-tenant-NNN-fn` tagged with their tenant, each attached
                    to its own policy and to another tenant's, and a function running as each

Every role reaches every bucket through the patterns, so a check that crosses principals with
stores and policies does N x N x N work when it is cubic. The same arguments give the same
bytes. Standard library only.

    python3 bench/generate_tenants.py --n 500 --out bench/out/tenants-500
"""

import argparse
import os
import shutil


def buckets(n):
    out = []
    for i in range(n):
        out.append(f'''resource "aws_s3_bucket" "t{i:03d}" {{
  bucket = "acme-tenant-{i:03d}-data"
  tags = {{
    tenant = "t{i:03d}"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "t{i:03d}" {{
  bucket = aws_s3_bucket.t{i:03d}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "aws:kms"
    }}
  }}
}}
''')
    return "\n".join(out)


def policies(n):
    out = []
    for i in range(n):
        statements = [f'''      {{
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "${{aws_s3_bucket.t{i:03d}.arn}}/*"
      }}''']
        if i % 2 == 0:
            statements.append('''      {
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = "arn:aws:s3:::acme-tenant-*"
        Condition = { StringLike = { "s3:prefix" = "$${aws:PrincipalTag/tenant}/*" } }
      }''')
        else:
            statements.append('''      {
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetObject"]
        Resource = ["arn:aws:s3:::acme-tenant-*", "arn:aws:s3:::acme-tenant-*/*"]
      }''')
        if i % 10 == 0:
            statements.append('''      {
        Effect   = "Allow"
        Action   = "s3:*"
        Resource = "*"
      }''')
        body = ",\n".join(statements)
        out.append(f'''resource "aws_iam_policy" "t{i:03d}" {{
  name = "acme-tenant-{i:03d}-access"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
{body}
    ]
  }})
}}
''')
    return "\n".join(out)


def roles(n):
    out = []
    for i in range(n):
        other = (i * 7 + 3) % n
        out.append(f'''resource "aws_iam_role" "t{i:03d}" {{
  name = "acme-tenant-{i:03d}-fn"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "lambda.amazonaws.com" }}
      Action    = "sts:AssumeRole"
    }}]
  }})
  tags = {{
    tenant = "t{i:03d}"
  }}
}}

resource "aws_iam_role_policy_attachment" "t{i:03d}_own" {{
  role       = aws_iam_role.t{i:03d}.name
  policy_arn = aws_iam_policy.t{i:03d}.arn
}}

resource "aws_iam_role_policy_attachment" "t{i:03d}_other" {{
  role       = aws_iam_role.t{i:03d}.name
  policy_arn = aws_iam_policy.t{other:03d}.arn
}}

resource "aws_lambda_function" "t{i:03d}" {{
  function_name = "acme-tenant-{i:03d}-fn"
  role          = aws_iam_role.t{i:03d}.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}}
''')
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=500, help="roles, buckets and policies (default 500)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    files = {
        "versions.tf": 'terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n}\n',
        "buckets.tf": buckets(args.n),
        "policies.tf": policies(args.n),
        "roles.tf": roles(args.n),
    }
    for name, text in files.items():
        with open(os.path.join(args.out, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
