"""Build kinds (managed and GitHub modes): build.bucket (artifacts), build.source (the bundle),
build.project (CodeBuild), build.pipeline (CodePipeline), build.webhook (GitHub); and
build.image, which waits for (and starts) the build of the images to deploy, in every mode."""
from controllers.build.bucket import BucketController
from controllers.build.image import ImageController
from controllers.build.pipeline import PipelineController
from controllers.build.project import ProjectController
from controllers.build.source import SourceController
from controllers.build.webhook import WebhookController


def controllers() -> list:
    return [BucketController(), SourceController(), ProjectController(), PipelineController(), WebhookController(),
            ImageController()]


__all__ = ["BucketController", "ImageController", "PipelineController", "ProjectController", "SourceController",
           "WebhookController", "controllers"]
