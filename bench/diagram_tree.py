#!/usr/bin/env python3
"""Writes one Terraform root of about N resources, one system, for timing the data-flow view.

Each service is a role with an inline policy, a function running as it, a queue that triggers it
(an event source mapping), a table and a bucket it reads and writes, a key encrypting the table,
and every tenth service an HTTP API with a route to its function. Distinct blocks (not `count`),
so the view has as many components as the code. Deterministic; standard library only.

    python3 bench/diagram_tree.py --resources 2000 --out bench/out/diagram-2000
"""

import argparse
import os

SERVICE = '''
resource "aws_iam_role" "s{i}" {{
  name = "s{i}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "lambda.amazonaws.com" }} }}]
  }})
}}

resource "aws_iam_role_policy" "s{i}" {{
  role = aws_iam_role.s{i}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:PutItem"], Resource = aws_dynamodb_table.s{i}.arn }},
      {{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "${{aws_s3_bucket.s{i}.arn}}/*" }},
      {{ Effect = "Allow", Action = ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource = aws_sqs_queue.s{i}.arn }}
    ]
  }})
}}

resource "aws_lambda_function" "s{i}" {{
  function_name = "s{i}"
  role          = aws_iam_role.s{i}.arn
  runtime       = "python3.12"
  handler       = "main.handler"
  filename      = "s{i}.zip"
}}

resource "aws_sqs_queue" "s{i}" {{
  name = "s{i}"
}}

resource "aws_lambda_event_source_mapping" "s{i}" {{
  event_source_arn = aws_sqs_queue.s{i}.arn
  function_name    = aws_lambda_function.s{i}.arn
}}

resource "aws_kms_key" "s{i}" {{
  description = "s{i}"
}}

resource "aws_dynamodb_table" "s{i}" {{
  name         = "s{i}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {{
    name = "pk"
    type = "S"
  }}
  server_side_encryption {{
    enabled     = true
    kms_key_arn = aws_kms_key.s{i}.arn
  }}
}}

resource "aws_s3_bucket" "s{i}" {{
  bucket = "s{i}"
}}
'''

API = '''
resource "aws_apigatewayv2_api" "s{i}" {{
  name          = "s{i}"
  protocol_type = "HTTP"
}}

resource "aws_apigatewayv2_integration" "s{i}" {{
  api_id           = aws_apigatewayv2_api.s{i}.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.s{i}.invoke_arn
}}

resource "aws_apigatewayv2_route" "s{i}" {{
  api_id    = aws_apigatewayv2_api.s{i}.id
  route_key = "GET /s{i}"
  target    = "integrations/${{aws_apigatewayv2_integration.s{i}.id}}"
}}
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=2000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    n, i, parts = 0, 0, []
    while n < a.resources:
        parts.append(SERVICE.format(i=i))
        n += 8
        if i % 10 == 0:
            parts.append(API.format(i=i))
            n += 3
        i += 1
    with open(os.path.join(a.out, "main.tf"), "w") as f:
        f.write("".join(parts))
    with open(os.path.join(a.out, "README.md"), "w") as f:
        f.write("# Generated system\n\nServices with their functions, queues, tables and buckets.\n")
    print(f"{n} resources in {i} services")


if __name__ == "__main__":
    main()
