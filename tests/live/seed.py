"""Seeds moto's AWS server with the deployed state of fixtures/projects/live-account.

usage: seed.py ENDPOINT

What the code declares, as deployed, plus drift made by hand:
- role platform-orders-api (the role the pipeline gave the orders-api function): dynamodb:* on *;
- role platform-reports (made by the reporting repository): s3:GetObject on one bucket prefix;
- role orders-worker: the code's inline policy, plus a statement added in the console;
- role orders-ingest: a trust policy that also trusts EC2;
- role orders-debug: created in the console, declared nowhere;
- policy orders-console-extra: a customer managed policy created in the console;
- functions orders-api and orders-reports with their roles.
Reset first, so the server holds exactly this.
"""
import io
import json
import sys
import urllib.request
import zipfile

import boto3

endpoint = sys.argv[1]
urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST")).read()
session = boto3.session.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
)
iam = session.client("iam", endpoint_url=endpoint)
lam = session.client("lambda", endpoint_url=endpoint)


def trust(*services):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": list(services) if len(services) > 1 else services[0]},
            "Action": "sts:AssumeRole",
        }],
    })


def role(name, trust_doc, inline=None):
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc)["Role"]["Arn"]
    for policy_name, statements in (inline or {}).items():
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy_name,
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    return arn


api_role = role("platform-orders-api", trust("lambda.amazonaws.com"), {
    "everything-in-dynamodb": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
})
reports_role = role("platform-reports", trust("lambda.amazonaws.com"), {
    "read-reports": [{
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::orders-reports/monthly/*",
    }],
})
role("orders-worker", trust("lambda.amazonaws.com"), {
    "orders-table": [{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
        "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
    }],
    "console-fix": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
})
role("orders-ingest", trust("lambda.amazonaws.com", "ec2.amazonaws.com"))
role("orders-debug", trust("lambda.amazonaws.com"), {
    "debug-everything": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
})

# A customer managed policy made in the console, named like the service's roles.
iam.create_policy(
    PolicyName="orders-console-extra",
    PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
    }),
)

code = io.BytesIO()
with zipfile.ZipFile(code, "w") as z:
    z.writestr("app.py", "def handler(event, context):\n    return {}\n")
for name, arn in [("orders-api", api_role), ("orders-reports", reports_role)]:
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=arn,
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
    )
print("seeded")
