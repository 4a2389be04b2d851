# The stack one API app of ours converges to (bench/noop_pass.py's Terraform-shaped app: two
# image-only containers, `web` serving 8080 behind an HTTP API), written for Terraform 1.11 and
# the AWS provider 5.100, against moto in server mode (`reconcile emulator`). Used by
# bench/terraform.py; var.endpoint is the emulator's URL.
#
# 22 resources:
#   network (7)   aws_vpc, aws_subnet, aws_internet_gateway, aws_route_table (default route to
#                 the gateway), aws_route_table_association, aws_security_group x2 (tasks, vpc link)
#   discovery (2) aws_service_discovery_private_dns_namespace, aws_service_discovery_service
#   iam (3)       aws_iam_role x2 (execution, task), aws_iam_role_policy (execution's inline
#                 policy; the task role has none, as ours has none without storage grants)
#   logs (2)      aws_cloudwatch_log_group x2 (one per container, 30 days)
#   ecs (3)       aws_ecs_cluster, aws_ecs_task_definition, aws_ecs_service
#   api (5)       aws_apigatewayv2_api, aws_apigatewayv2_vpc_link, aws_apigatewayv2_integration,
#                 aws_apigatewayv2_route, aws_apigatewayv2_stage
#
# Differences from ours: one subnet (ours: one per zone, 3 in us-east-1, managed as one resource).

terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

variable "endpoint" {
  type        = string
  description = "the emulator's URL, e.g. http://127.0.0.1:5000"
}

variable "name" {
  type    = string
  default = "bench-app000"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    apigatewayv2     = var.endpoint
    cloudwatchlogs   = var.endpoint
    ec2              = var.endpoint
    ecs              = var.endpoint
    iam              = var.endpoint
    servicediscovery = var.endpoint
    sts              = var.endpoint
  }
}

locals {
  account = "123456789012" # moto's default account (skip_requesting_account_id: not asked)
  tags    = { app = var.name }
  tasks_trust = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }]
  })
}

# --- network ---------------------------------------------------------------------------------

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.0.0/24"
  availability_zone       = "us-east-1a"
  map_public_ip_on_launch = true
  tags                    = merge(local.tags, { Name = "${var.name}-public-a" })
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = merge(local.tags, { Name = var.name })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
  tags = merge(local.tags, { Name = "${var.name}-public" })
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "vpc_link" {
  name        = "${var.name}-vpc-link"
  description = "HTTP API VPC link of ${var.name}"
  vpc_id      = aws_vpc.main.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = local.tags
}

resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "tasks of ${var.name}"
  vpc_id      = aws_vpc.main.id
  ingress {
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.vpc_link.id]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = local.tags
}

# --- service discovery -----------------------------------------------------------------------

resource "aws_service_discovery_private_dns_namespace" "main" {
  name = "${var.name}.internal"
  vpc  = aws_vpc.main.id
  tags = local.tags
}

resource "aws_service_discovery_service" "web" {
  name = "web"
  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.main.id
    routing_policy = "MULTIVALUE"
    dns_records {
      type = "SRV"
      ttl  = 10
    }
    dns_records {
      type = "A"
      ttl  = 10
    }
  }
  health_check_custom_config {
    failure_threshold = 1
  }
  tags = local.tags
}

# --- iam -------------------------------------------------------------------------------------

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = local.tasks_trust
  tags               = local.tags
}

resource "aws_iam_role_policy" "execution" {
  name = "execution"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["ecr:GetAuthorizationToken"], Resource = ["*"] },
      { Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource = ["arn:aws:logs:us-east-1:${local.account}:log-group:/ecs/${var.name}/*:*"] },
    ]
  })
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = local.tasks_trust
  tags               = local.tags
}

# --- logs ------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "web" {
  name              = "/ecs/${var.name}/web"
  retention_in_days = 30
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${var.name}/worker"
  retention_in_days = 30
  tags              = local.tags
}

# --- ecs -------------------------------------------------------------------------------------

resource "aws_ecs_cluster" "main" {
  name = var.name
  tags = local.tags
}

resource "aws_ecs_task_definition" "app" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions = jsonencode([
    {
      name         = "web"
      image        = "public.ecr.aws/docker/library/nginx:1.27"
      essential    = true
      portMappings = [{ containerPort = 8080, hostPort = 8080, protocol = "tcp" }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.web.name
          awslogs-region        = "us-east-1"
          awslogs-stream-prefix = "web"
        }
      }
    },
    {
      name      = "worker"
      image     = "public.ecr.aws/docker/library/redis:7"
      essential = true
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.worker.name
          awslogs-region        = "us-east-1"
          awslogs-stream-prefix = "worker"
        }
      }
    },
  ])
  tags = local.tags
}

resource "aws_ecs_service" "app" {
  name            = var.name
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets          = [aws_subnet.public.id]
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = true
  }
  service_registries {
    registry_arn   = aws_service_discovery_service.web.arn
    container_name = "web"
    container_port = 8080
  }
  tags = local.tags
  lifecycle {
    # moto (5.2) neither stores nor returns availabilityZoneRebalancing, which the provider
    # defaults to "DISABLED": without this every plan would show an in-place update.
    ignore_changes = [availability_zone_rebalancing]
  }
}

# --- api -------------------------------------------------------------------------------------

resource "aws_apigatewayv2_api" "main" {
  name          = var.name
  protocol_type = "HTTP"
  tags          = local.tags
}

resource "aws_apigatewayv2_vpc_link" "main" {
  name               = var.name
  security_group_ids = [aws_security_group.vpc_link.id]
  subnet_ids         = [aws_subnet.public.id]
  tags               = local.tags
}

resource "aws_apigatewayv2_integration" "web" {
  api_id                 = aws_apigatewayv2_api.main.id
  integration_type       = "HTTP_PROXY"
  integration_method     = "ANY"
  integration_uri        = aws_service_discovery_service.web.arn
  connection_type        = "VPC_LINK"
  connection_id          = aws_apigatewayv2_vpc_link.main.id
  payload_format_version = "1.0"
}

resource "aws_apigatewayv2_route" "default" {
  api_id    = aws_apigatewayv2_api.main.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.web.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.main.id
  name        = "$default"
  auto_deploy = true
  tags        = local.tags
}
