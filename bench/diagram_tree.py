#!/usr/bin/env python3
"""Writes one Terraform root of about N resources, one system, for timing the data-flow view.

Each service is a role with an inline policy, a function running as it, a queue that triggers it
(an event source mapping), a table and a bucket it reads and writes, a key encrypting the table,
every tenth service an HTTP API with a route to its function, and every tenth (offset by five) a
load balancer forwarding to its function, which then runs in one shared VPC's private subnets with
a security group the load balancer's group may reach, and a bucket policy granting a partner
account. Distinct blocks (not `count`), so the view has as many components as the code.
Deterministic; standard library only.

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

VPC = '''
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "private" {
  count      = 3
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "private" {
  count          = 3
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}
'''

BALANCED = '''
resource "aws_security_group" "lb{i}" {{
  name   = "lb{i}"
  vpc_id = aws_vpc.main.id
}}

resource "aws_security_group" "fn{i}" {{
  name   = "fn{i}"
  vpc_id = aws_vpc.main.id
  ingress {{
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    security_groups = [aws_security_group.lb{i}.id]
  }}
}}

resource "aws_lb" "s{i}" {{
  name            = "s{i}"
  internal        = true
  subnets         = aws_subnet.private[*].id
  security_groups = [aws_security_group.lb{i}.id]
}}

resource "aws_lb_listener" "s{i}" {{
  load_balancer_arn = aws_lb.s{i}.arn
  port              = 80
  protocol          = "HTTP"
  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.s{i}.arn
  }}
}}

resource "aws_lb_target_group" "s{i}" {{
  name        = "s{i}"
  target_type = "lambda"
}}

resource "aws_lb_target_group_attachment" "s{i}" {{
  target_group_arn = aws_lb_target_group.s{i}.arn
  target_id        = aws_lambda_function.s{i}.arn
}}

resource "aws_s3_bucket_policy" "s{i}" {{
  bucket = aws_s3_bucket.s{i}.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::444455556666:root" }}, Action = ["s3:GetObject"], Resource = "${{aws_s3_bucket.s{i}.arn}}/*" }}]
  }})
}}
'''

# The function of a balanced service runs in the VPC, in its own security group.
VPC_CONFIG = '''  vpc_config {{
    subnet_ids         = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.fn{i}.id]
  }}
  filename      = "s{i}.zip"'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=2000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    n, i, parts = 8, 0, [VPC]
    while n < a.resources:
        service = SERVICE.format(i=i)
        if i % 10 == 5:
            service = service.replace(f'  filename      = "s{i}.zip"', VPC_CONFIG.format(i=i))
            parts.append(BALANCED.format(i=i))
            n += 7
        parts.append(service)
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
