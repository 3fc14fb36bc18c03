"""Exploration and closing the loop: Kibana saved objects, stakeholder reports and the /ui web view."""
