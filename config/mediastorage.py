"""The storage of media in a bucket (config/objectstorage.py builds its options)."""

from storages.backends.s3 import S3Storage

from config.objectstorage import media_cache_control


class MediaStorage(S3Storage):
    """Media in a bucket, each object stored with its Cache-Control."""

    def get_object_parameters(self, name: str) -> dict:
        parameters = super().get_object_parameters(name)
        return {**parameters, "CacheControl": media_cache_control(name)}
