//! The image an instance launches from settles its metadata default only when the code names
//! an AMI registered with ImdsSupport v2.0: Amazon Linux 2023 by AWS's public SSM parameter or
//! by a lookup that can only find Amazon's AL2023 AMIs.

use crate::common::decide;

fn instance_with(data: &str, ami: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!("{data}\nresource \"aws_instance\" \"web\" {{\n  ami           = {ami}\n  instance_type = \"t3.small\"\n}}\n"),
    )
    .unwrap();
    decide(dir.path(), "iam.compute.imdsv2", &Default::default()).0
}

#[test]
fn an_al2023_lookup_owned_by_amazon_requires_tokens() {
    let lookup = |owners: &str, values: &str| {
        format!("data \"aws_ami\" \"os\" {{\n  owners = {owners}\n  filter {{\n    name   = \"name\"\n    values = {values}\n  }}\n}}\n")
    };
    let ami = "data.aws_ami.os.id";
    assert_eq!(
        instance_with(
            &lookup("[\"amazon\"]", "[\"al2023-ami-2023.*-arm64\"]"),
            ami
        ),
        "verified"
    );
    // Anyone can name an AMI al2023-ami-…: only Amazon's are known to be registered so.
    assert_eq!(
        instance_with(&lookup("[\"self\"]", "[\"al2023-ami-2023.*-arm64\"]"), ami),
        "invalid"
    );
    // A filter that also matches Amazon Linux 2 images is not enough.
    assert_eq!(
        instance_with(
            &lookup("[\"amazon\"]", "[\"al2023-ami-*\", \"amzn2-ami-hvm-*\"]"),
            ami
        ),
        "invalid"
    );
    // A regex anchored on the AL2023 name is; one that is not anchored is not.
    assert_eq!(
        instance_with(
            "data \"aws_ami\" \"os\" {\n  owners     = [\"amazon\"]\n  name_regex = \"^al2023-ami-2023\"\n}\n",
            ami
        ),
        "verified"
    );
    assert_eq!(
        instance_with(
            "data \"aws_ami\" \"os\" {\n  owners     = [\"amazon\"]\n  name_regex = \".*al2023.*\"\n}\n",
            ami
        ),
        "invalid"
    );
}

#[test]
fn aws_public_ssm_parameters_name_the_image() {
    assert_eq!(
        instance_with(
            "data \"aws_ssm_parameter\" \"os\" {\n  name = \"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\"\n}\n",
            "data.aws_ssm_parameter.os.value"
        ),
        "verified"
    );
    assert_eq!(
        instance_with(
            "data \"aws_ssm_parameter\" \"os\" {\n  name = \"/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2\"\n}\n",
            "data.aws_ssm_parameter.os.value"
        ),
        "invalid"
    );
    assert_eq!(
        instance_with(
            "",
            "\"resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\""
        ),
        "verified"
    );
}
