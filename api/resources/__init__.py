"""The routes' responders: saves, reads, pages, the OpenAPI document."""
